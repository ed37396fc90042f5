using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Identity;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Api;

namespace Portal.Web.Features.Users;

public sealed record ValidatorRef(Guid NetworkId, string Key);

public sealed record CreateUserRequest(string? UserName, string? Email, string[]? Roles, ValidatorRef[]? Validators);

public sealed record CreatedUser(Guid Id, string UserName, IReadOnlyList<string> Roles, string Token);

public sealed record CurrentUser(Guid Id, string UserName, IReadOnlyList<string> Roles, IReadOnlyList<ValidatorRef> Validators);

public static class UserEndpoints
{
    public static void MapUserEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/users", CreateAsync).RequireAuthorization(Policies.Admin).WithName("CreateUser");
        api.MapGet("/me", MeAsync).RequireAuthorization(Policies.SignedIn).WithName("Me");
    }

    /// <summary>An admin creates a user (no password yet) with an API token, shown in this response only.</summary>
    private static async Task<Results<Created<CreatedUser>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateUserRequest request, ClaimsPrincipal caller, UserManager<PortalUser> users, Invitations invitations, ApiTokens tokens, PortalDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (Portal.Domain.UserNames.Problem(request.UserName?.Trim()) is { } nameProblem)
        {
            errors["userName"] = [nameProblem];
        }

        var validatorIds = new List<Guid>();
        var refs = request.Validators ?? [];
        for (var i = 0; i < refs.Length; i++)
        {
            if (refs[i] is null)
            {
                errors[$"validators[{i}]"] = ["A validator reference {networkId, key} is required."];
                continue;
            }

            var key = refs[i].Key;
            var networkId = refs[i].NetworkId;
            var id = await db.Validators.Where(v => v.NetworkId == networkId && v.Key == key).Select(v => (Guid?)v.Id).SingleOrDefaultAsync(cancellationToken);
            if (id is null)
            {
                errors[$"validators[{i}]"] = [$"No validator '{key}' on network {networkId}."];
            }
            else
            {
                validatorIds.Add(id.Value);
            }
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        if (await users.FindByNameAsync(request.UserName!.Trim()) is not null)
        {
            return ApiProblems.Conflict($"A user named '{request.UserName!.Trim()}' already exists.");
        }

        var (user, problems) = await invitations.CreateUserAsync(
            new NewUser(request.UserName!, request.Email, request.Roles ?? [], validatorIds), caller.Identity!.Name!, CallerId(caller), cancellationToken);
        if (user is null)
        {
            // Lost a race with a parallel creation of the same name: that is a conflict, not bad input.
            return problems.ContainsKey("userName") && await users.FindByNameAsync(request.UserName!.Trim()) is not null
                ? ApiProblems.Conflict($"A user named '{request.UserName!.Trim()}' already exists.")
                : ApiProblems.Invalid(problems.ToDictionary());
        }

        var token = await tokens.CreateAsync(user.Id, caller.Identity!.Name!, "created with the user", null, cancellationToken);
        var roles = (request.Roles ?? []).Distinct(StringComparer.Ordinal).ToList();
        return TypedResults.Created($"/api/v1/users/{user.Id}", new CreatedUser(user.Id, user.UserName!, roles, token));
    }

    private static async Task<Ok<CurrentUser>> MeAsync(ClaimsPrincipal caller, PortalDbContext db, CancellationToken cancellationToken)
    {
        var id = CallerId(caller)!.Value;
        var validators = await db.OperatorBindings.Where(b => b.UserId == id)
            .Join(db.Validators, b => b.ValidatorId, v => v.Id, (_, v) => new ValidatorRef(v.NetworkId, v.Key))
            .ToListAsync(cancellationToken);
        var roles = caller.FindAll(ClaimTypes.Role).Select(c => c.Value).Order(StringComparer.Ordinal).ToList();
        return TypedResults.Ok(new CurrentUser(id, caller.Identity!.Name!, roles, validators));
    }

    public static Guid? CallerId(ClaimsPrincipal caller) =>
        Guid.TryParse(caller.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;
}
