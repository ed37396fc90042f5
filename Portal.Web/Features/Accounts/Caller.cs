using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Web.Features.Incidents;
using Portal.Web.Features.Users;

namespace Portal.Web.Features.Accounts;

/// <summary>Who is calling, as the database says now: not as the cookie or the token's claims said.</summary>
public sealed record CallerFacts(Guid Id, string UserName, IReadOnlySet<string> Roles)
{
    public bool IsAny(params string[] roles) => roles.Any(Roles.Contains);
}

/// <summary>
/// The one authorization check of every use case. Services call <c>RequireAsync</c> first thing: it reads
/// the caller's current roles and disabled flag from the database (never the claims, which may be minutes old in
/// a cookie; kept for seconds in <see cref="PrincipalCache"/>, which forgets a user the moment they change), and throws <see cref="ForbiddenException"/> (403) when they do not allow the action. Pages and
/// endpoints call the same service methods, so hiding a button is never the check.
/// </summary>
public sealed class CallerAccess(PortalDbContext db, IHttpContextAccessor http, PrincipalCache cache)
{
    /// <summary>
    /// The principal to check. Null means the current request's user; code that runs outside a request
    /// (tests, start-up work) sets it explicitly.
    /// </summary>
    public ClaimsPrincipal? Principal { get; set; }

    private bool _system;

    /// <summary>
    /// For the portal's own start-up work (the demo seed), which runs in a scope of its own with no user:
    /// every check in this scope passes. Never call it on a path a request can reach.
    /// </summary>
    public void TrustAsSystem() => _system = true;

    /// <summary>Loads the caller and requires one of <paramref name="anyOf"/> (none given: any signed-in, enabled user).</summary>
    public Task<CallerFacts> RequireAsync(params string[] anyOf) => RequireAsync(Principal ?? http.HttpContext?.User, anyOf);

    /// <summary>As <see cref="RequireAsync(string[])"/>, for a use case that is handed its principal.</summary>
    public async Task<CallerFacts> RequireAsync(ClaimsPrincipal? principal, params string[] anyOf)
    {
        if (_system)
        {
            return new CallerFacts(Guid.Empty, "system", anyOf.ToHashSet(StringComparer.Ordinal));
        }

        var id = principal is null ? null : UserEndpoints.CallerId(principal);
        if (id is null)
        {
            throw new ForbiddenException("Sign in first.");
        }

        if (!cache.TryGetUser(id.Value, out var user))
        {
            // Kept briefly, and forgotten on every instance when the user's roles or disabled flag change.
            var generation = cache.Generation;
            var row = await db.Users.AsNoTracking()
                .Where(u => u.Id == id)
                .Select(u => new { u.UserName, u.DisabledAt })
                .SingleOrDefaultAsync();
            if (row is null)
            {
                throw new ForbiddenException("This account is disabled.");
            }

            var names = await db.UserRoles
                .Where(ur => ur.UserId == id)
                .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!)
                .ToListAsync();
            user = new CachedUser(row.UserName ?? "?", row.DisabledAt is not null, names.ToHashSet(StringComparer.Ordinal));
            cache.StoreUser(id.Value, user, generation);
        }

        if (user.Disabled)
        {
            throw new ForbiddenException("This account is disabled.");
        }

        var roles = user.Roles;
        var facts = new CallerFacts(id.Value, user.UserName, roles);
        if (anyOf.Length > 0 && !facts.IsAny(anyOf))
        {
            throw new ForbiddenException(
                $"This needs the {string.Join(" or ", anyOf)} role; you have {(roles.Count == 0 ? "none" : string.Join(", ", roles.Order(StringComparer.Ordinal)))}.");
        }

        return facts;
    }
}
