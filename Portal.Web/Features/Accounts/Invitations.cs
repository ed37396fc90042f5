using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Audit;
using Portal.Data.Identity;
using Portal.Domain;
using Portal.Web.Features.Security;

namespace Portal.Web.Features.Accounts;

/// <summary>A user to create: who, in which roles, bound to which validators (operators only).</summary>
public sealed record NewUser(string UserName, string? Email, IReadOnlyList<string> Roles, IReadOnlyList<Guid> ValidatorIds);

/// <summary>
/// There is no self-registration: an admin creates a user, and the invitation link lets them set their first
/// password. The link carries an Identity password-reset token, which stops working once a password is set
/// (the security stamp changes) or after seven days.
/// </summary>
public sealed class Invitations(UserManager<PortalUser> users, PortalDbContext db, SecurityAudit audit, TimeProvider clock)
{
    public const string AcceptPath = "/account/accept-invitation";

    public async Task<(PortalUser? User, IReadOnlyDictionary<string, string[]> Errors)> CreateUserAsync(NewUser request, string invitedBy, Guid? invitedById, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        var roles = request.Roles.Distinct(StringComparer.Ordinal).ToList();
        if (roles.Count == 0)
        {
            errors["roles"] = ["At least one role is required: " + string.Join(", ", Roles.All) + "."];
        }
        else if (roles.FindIndex(r => r is null || !Roles.IsKnown(r)) is >= 0 and var unknown)
        {
            errors["roles"] = [$"Unknown role '{roles[unknown]}'. Roles are: {string.Join(", ", Roles.All)}."];
        }

        var userName = request.UserName?.Trim();
        if (UserNames.Problem(userName) is { } nameProblem)
        {
            errors["userName"] = [nameProblem];
        }

        var email = string.IsNullOrWhiteSpace(request.Email) ? null : request.Email.Trim();
        if (email is not null && EmailAddresses.Problem(email) is { } emailProblem)
        {
            errors["email"] = [emailProblem];
        }

        if (request.ValidatorIds.Count > 0 && !roles.Contains(Roles.Operator))
        {
            errors["validators"] = ["Validators can be bound only to a user with the operator role."];
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var user = new PortalUser
        {
            Id = Guid.CreateVersion7(clock.GetUtcNow()),
            UserName = userName,
            Email = email,
            CreatedAt = clock.GetUtcNow(),
            InvitedBy = invitedById,
        };

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        IdentityResult created;
        try
        {
            created = await users.CreateAsync(user);
        }
        catch (DbUpdateException ex) when (ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            // Two invitations for one name at once: Identity's own check saw neither, the unique index caught the second.
            db.ChangeTracker.Clear();
            return (null, new Dictionary<string, string[]> { ["userName"] = [$"A user named '{userName}' already exists."] });
        }

        if (!created.Succeeded)
        {
            return (null, ToErrors(created));
        }

        var withRoles = await users.AddToRolesAsync(user, roles);
        if (!withRoles.Succeeded)
        {
            return (null, ToErrors(withRoles));
        }

        foreach (var validatorId in request.ValidatorIds.Distinct())
        {
            db.OperatorBindings.Add(new OperatorBinding { UserId = user.Id, ValidatorId = validatorId, CreatedAt = clock.GetUtcNow() });
        }

        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(SecurityEventKinds.UserInvited, invitedBy, invitedById, $"{user.UserName} as {string.Join(", ", roles)}", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (user, errors);
    }

    /// <summary>A link that sets the first password; relative, so the caller prefixes its own origin.</summary>
    public async Task<string> CreateLinkAsync(PortalUser user)
    {
        var token = await users.GeneratePasswordResetTokenAsync(user);
        return QueryHelpers.AddQueryString(AcceptPath, new Dictionary<string, string?> { ["user"] = user.Id.ToString(), ["code"] = token });
    }

    public async Task<bool> HasPasswordAsync(PortalUser user) => await users.HasPasswordAsync(user);

    public async Task<IReadOnlyList<Guid>> BoundValidatorsAsync(Guid userId, CancellationToken cancellationToken = default) =>
        await db.OperatorBindings.Where(b => b.UserId == userId).Select(b => b.ValidatorId).ToListAsync(cancellationToken);

    private static Dictionary<string, string[]> ToErrors(IdentityResult result) =>
        result.Errors
            .GroupBy(e => e.Code.Contains("UserName", StringComparison.Ordinal) ? "userName" : e.Code.Contains("Email", StringComparison.Ordinal) ? "email" : "user")
            .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray());
}
