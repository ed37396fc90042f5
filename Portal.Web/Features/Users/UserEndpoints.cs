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

public sealed record CreatedUser(Guid Id, string UserName, IReadOnlyList<string> Roles, string Token, string InvitationUrl);

/// <summary>PUT /users/{id}: each field is optional; <c>unlock</c> clears sign-in throttling and any lockout.</summary>
public sealed record UpdateUserRequest(string[]? Roles, ValidatorRef[]? Validators, bool? Disabled, bool? Unlock);

public sealed record UserResponse(Guid Id, string UserName, IReadOnlyList<string> Roles, IReadOnlyList<ValidatorRef> Validators, bool Disabled, bool HasPassword);

/// <summary>A fresh single-use invitation link.</summary>
public sealed record InvitationResponse(string InvitationUrl, DateTimeOffset ExpiresAt);

public sealed record CurrentUser(Guid Id, string UserName, IReadOnlyList<string> Roles, IReadOnlyList<ValidatorRef> Validators);

public static class UserEndpoints
{
    public static void MapUserEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/users", CreateAsync).RequireAuthorization(Policies.Admin).WithName("CreateUser");
        api.MapPut("/users/{id:guid}", UpdateAsync).RequireAuthorization(Policies.Admin).WithName("UpdateUser")
            .WithDescription("Changes roles, validator bindings or the disabled flag, or unlocks (unlock: true). Takes effect on the user's next request; the last admin cannot be demoted or disabled (409).");
        api.MapPost("/users/{id:guid}/invitation", ReinviteAsync).RequireAuthorization(Policies.Admin).WithName("ReinviteUser")
            .WithDescription("Issues a new single-use invitation link, valid 7 days; earlier links stop working, and a password already set is removed.");
        api.MapGet("/me", MeAsync).RequireAuthorization(Policies.SignedIn).WithName("Me");
    }

    /// <summary>An admin creates a user (no password yet) with an API token, shown in this response only.</summary>
    private static async Task<Results<Created<CreatedUser>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateUserRequest request, UserManager<PortalUser> users, UserAdmin admin, PortalDbContext db, CancellationToken cancellationToken)
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

        var (account, problems) = await admin.CreateAsync(new NewUser(request.UserName!, request.Email, request.Roles ?? [], validatorIds), withToken: true, cancellationToken);
        if (account is null)
        {
            // Lost a race with a parallel creation of the same name: that is a conflict, not bad input.
            return problems.ContainsKey("userName") && await users.FindByNameAsync(request.UserName!.Trim()) is not null
                ? ApiProblems.Conflict($"A user named '{request.UserName!.Trim()}' already exists.")
                : ApiProblems.Invalid(problems.ToDictionary());
        }

        return TypedResults.Created($"/api/v1/users/{account.User.Id}", new CreatedUser(account.User.Id, account.User.UserName!, account.Roles, account.Token!, account.InvitationUrl));
    }

    private static async Task<Results<Ok<UserResponse>, ValidationProblem>> UpdateAsync(
        Guid id, UpdateUserRequest request, UserAdmin admin, PortalDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        List<Guid>? validatorIds = null;
        if (request.Validators is { } refs)
        {
            validatorIds = [];
            for (var i = 0; i < refs.Length; i++)
            {
                var reference = refs[i];
                var found = reference is null
                    ? null
                    : await db.Validators.Where(v => v.NetworkId == reference.NetworkId && v.Key == reference.Key).Select(v => (Guid?)v.Id).SingleOrDefaultAsync(cancellationToken);
                if (found is null)
                {
                    errors[$"validators[{i}]"] = [reference is null ? "A validator reference {networkId, key} is required." : $"No validator '{reference.Key}' on network {reference.NetworkId}."];
                }
                else
                {
                    validatorIds.Add(found.Value);
                }
            }
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        var user = await admin.UpdateAsync(id, new UserChange(request.Roles, validatorIds, request.Disabled, request.Unlock ?? false), cancellationToken);
        var validators = await db.Validators.Where(v => user.ValidatorIds.Contains(v.Id)).Select(v => new ValidatorRef(v.NetworkId, v.Key)).ToListAsync(cancellationToken);
        return TypedResults.Ok(new UserResponse(user.Id, user.UserName, user.Roles, validators, user.Disabled, user.HasPassword));
    }

    private static async Task<Ok<InvitationResponse>> ReinviteAsync(Guid id, UserAdmin admin, TimeProvider clock, CancellationToken cancellationToken) =>
        TypedResults.Ok(new InvitationResponse(await admin.ReinviteAsync(id, cancellationToken), clock.GetUtcNow() + UserAdmin.InvitationLifetime));

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
