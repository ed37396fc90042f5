using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Audit;
using Portal.Data.Identity;
using Portal.Domain;
using Portal.Web.Features.Incidents;
using Portal.Web.Features.Security;

namespace Portal.Web.Features.Accounts;

/// <summary>What an admin changes on a user; null leaves that part as it is.</summary>
public sealed record UserChange(IReadOnlyList<string>? Roles, IReadOnlyList<Guid>? ValidatorIds, bool? Disabled, bool Unlock);

/// <summary>A user as the admin API shows it.</summary>
public sealed record UserSummary(Guid Id, string UserName, IReadOnlyList<string> Roles, IReadOnlyList<Guid> ValidatorIds, bool Disabled, bool HasPassword);

/// <summary>A new user, their invitation link and (through the API) their first API token.</summary>
public sealed record CreatedAccount(PortalUser User, IReadOnlyList<string> Roles, string InvitationUrl, string? Token);

/// <summary>
/// The admin's use cases on users, for the API and the Users page alike: create with an invitation, change roles,
/// bindings and the disabled flag, unlock, re-invite. Each requires the caller to be an admin now (in the
/// database). Changes take effect on the user's next request: cookies are checked against the database on every
/// request (<see cref="SessionValidation"/>) and cached token principals are forgotten on commit (<see cref="PrincipalCache"/>). The last enabled admin can never be
/// demoted or disabled: changes run one at a time under an advisory lock and count the admins before committing.
/// </summary>
public sealed class UserAdmin(
    PortalDbContext db, UserManager<PortalUser> users, Invitations invitations, ApiTokens tokens, CallerAccess access,
    SignInThrottle throttle, SecurityAudit audit, IConfiguration configuration, IHttpContextAccessor http, TimeProvider clock, PrincipalCache principals)
{
    /// <summary>Invitation links live as long as Identity's password-reset tokens (IdentitySetup).</summary>
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(7);

    /// <summary>Serialises every change to users' roles and disabled flags (an arbitrary, fixed key).</summary>
    private const long UserChangeLock = 0x5EC0_0001;

    public async Task<(CreatedAccount? Account, IReadOnlyDictionary<string, string[]> Errors)> CreateAsync(NewUser request, bool withToken, CancellationToken cancellationToken = default)
    {
        var admin = await access.RequireAsync(Roles.Admin);
        var (user, errors) = await invitations.CreateUserAsync(request, admin.UserName, admin.Id, cancellationToken);
        if (user is null)
        {
            return (null, errors);
        }

        var token = withToken ? await tokens.CreateAsync(user.Id, admin.UserName, "created with the user", null, cancellationToken) : null;
        var link = PublicOrigin() + await invitations.CreateLinkAsync(user);
        return (new CreatedAccount(user, [.. request.Roles.Distinct(StringComparer.Ordinal)], link, token), errors);
    }

    public async Task<UserSummary> UpdateAsync(Guid userId, UserChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var admin = await access.RequireAsync(Roles.Admin);
        if (change.Roles is { } wanted)
        {
            if (wanted.Count == 0)
            {
                throw new DomainException("At least one role is required: " + string.Join(", ", Roles.All) + ".", "roles");
            }

            var unknown = wanted.Where(r => r is null || !Roles.IsKnown(r)).ToList();
            if (unknown.Count > 0)
            {
                throw new DomainException($"Unknown role '{unknown[0]}'. Roles are: {string.Join(", ", Roles.All)}.", "roles");
            }
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({UserChangeLock})", cancellationToken);
        var user = await users.FindByIdAsync(userId.ToString()) ?? throw new NotFoundException($"No user {userId}.");
        var before = await users.GetRolesAsync(user);
        var roles = change.Roles?.Distinct(StringComparer.Ordinal).ToList() ?? [.. before];
        var bound = change.ValidatorIds ?? await invitations.BoundValidatorsAsync(userId, cancellationToken);
        if (bound.Count > 0 && !roles.Contains(Roles.Operator))
        {
            throw new DomainException("Validators can be bound only to a user with the operator role.", "validators");
        }

        var changes = new List<string>();
        if (change.Roles is not null && !roles.Order(StringComparer.Ordinal).SequenceEqual(before.Order(StringComparer.Ordinal)))
        {
            Check(await users.RemoveFromRolesAsync(user, before.Except(roles)));
            Check(await users.AddToRolesAsync(user, roles.Except(before)));
            changes.Add($"roles {string.Join(", ", before.Order(StringComparer.Ordinal))} → {string.Join(", ", roles.Order(StringComparer.Ordinal))}");
        }

        if (change.ValidatorIds is { } ids)
        {
            await db.OperatorBindings.Where(b => b.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            foreach (var id in ids.Distinct())
            {
                db.OperatorBindings.Add(new OperatorBinding { UserId = userId, ValidatorId = id, CreatedAt = clock.GetUtcNow() });
            }

            await db.SaveChangesAsync(cancellationToken);
            changes.Add($"{ids.Distinct().Count()} validator(s) bound");
        }

        if (change.Disabled is { } disabled && disabled != user.DisabledAt is not null)
        {
            user.DisabledAt = disabled ? clock.GetUtcNow() : null;

            // A new stamp ends every session of theirs at once, and with it any invitation link still out.
            Check(await users.UpdateSecurityStampAsync(user));
            changes.Add(disabled ? "disabled" : "enabled");
        }

        if (change.Unlock)
        {
            // Accounts locked before failed sign-ins stopped locking them, and the per-address throttle (below).
            user.LockoutEnd = null;
            user.AccessFailedCount = 0;
            Check(await users.UpdateAsync(user));
            changes.Add("unlocked");
        }

        var admins = await db.UserRoles
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => new { ur.UserId, r.Name })
            .Where(x => x.Name == Roles.Admin)
            .Join(db.Users.Where(u => u.DisabledAt == null), x => x.UserId, u => u.Id, (x, _) => x.UserId)
            .CountAsync(cancellationToken);
        if (admins == 0)
        {
            // Disposing the transaction rolls the change back.
            throw new IllegalTransitionException($"{user.UserName} is the last enabled admin; make someone else an admin first.");
        }

        if (changes.Count > 0)
        {
            await audit.RecordAsync(SecurityEventKinds.UserChanged, admin.UserName, admin.Id, $"{user.UserName}: {string.Join("; ", changes)}", cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);

        // Other instances hear of it from the database's trigger; this one need not wait for that.
        principals.Forget(user.Id);
        if (change.Unlock)
        {
            throttle.Forget(users.NormalizeName(user.UserName) ?? "");
        }

        return new UserSummary(user.Id, user.UserName!, [.. roles.Order(StringComparer.Ordinal)], [.. bound.Distinct()], user.DisabledAt is not null, user.PasswordHash is not null);
    }

    /// <summary>
    /// A fresh invitation link, for an invitee whose link expired or was lost. Earlier links stop working. A user
    /// who already has a password loses it (and every session): the link is how they choose a new one.
    /// </summary>
    public async Task<string> ReinviteAsync(Guid userId, CancellationToken cancellationToken = default)
    {
        var admin = await access.RequireAsync(Roles.Admin);
        var user = await users.FindByIdAsync(userId.ToString()) ?? throw new NotFoundException($"No user {userId}.");
        Check(await users.HasPasswordAsync(user) ? await users.RemovePasswordAsync(user) : await users.UpdateSecurityStampAsync(user));
        var link = PublicOrigin() + await invitations.CreateLinkAsync(user);
        await audit.RecordAsync(SecurityEventKinds.UserReinvited, admin.UserName, admin.Id, user.UserName, cancellationToken);
        return link;
    }

    /// <summary>
    /// The origin an interactive page was opened at: a circuit has no request of its own, so the Users page
    /// passes the address its browser used, as a request's Host would be.
    /// </summary>
    public string? PageOrigin { get; set; }

    /// <summary>Where links point: <c>Portal:PublicUrl</c> when set, else the origin the request (or page) came to.</summary>
    public string PublicOrigin()
    {
        if (configuration["Portal:PublicUrl"] is { Length: > 0 } configured)
        {
            return configured.TrimEnd('/');
        }

        if (PageOrigin is { Length: > 0 } page)
        {
            return page.TrimEnd('/');
        }

        var request = http.HttpContext?.Request ?? throw new InvalidOperationException("Set Portal:PublicUrl to build links outside a request.");
        return $"{request.Scheme}://{request.Host}{request.PathBase}";
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new DomainException(string.Join(" ", result.Errors.Select(e => e.Description)), "user");
        }
    }
}
