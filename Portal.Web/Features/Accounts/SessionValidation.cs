using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;

namespace Portal.Web.Features.Accounts;

/// <summary>
/// Checks every cookie session against the database on every request: the user must still exist, not be
/// disabled, and hold the security stamp the cookie was issued with (sign-out, a password change, disabling
/// and re-inviting all change it, so every other copy of the cookie dies). The roles are read afresh and replace
/// the cookie's, so a role change counts from the user's next request. Two indexed lookups per page request,
/// in place of Identity's default of re-checking every 30 minutes.
/// </summary>
public static class SessionValidation
{
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var principal = context.Principal;
        var options = context.HttpContext.RequestServices.GetRequiredService<IOptions<IdentityOptions>>().Value.ClaimsIdentity;
        if (principal is null)
        {
            await RejectAsync(context);
            return;
        }

        var db = context.HttpContext.RequestServices.GetRequiredService<PortalDbContext>();
        var fresh = await RefreshAsync(db, principal, options, context.HttpContext.RequestAborted);
        if (fresh is null)
        {
            await RejectAsync(context);
            return;
        }

        context.ReplacePrincipal(fresh);
    }

    /// <summary>
    /// The principal as the database has it now (the same claims, the roles read afresh), or null when the user
    /// is gone, disabled or holds another security stamp. Open circuits are checked with it too.
    /// </summary>
    public static async Task<ClaimsPrincipal?> RefreshAsync(PortalDbContext db, ClaimsPrincipal principal, ClaimsIdentityOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(options);
        if (principal.Identity is not ClaimsIdentity identity
            || !Guid.TryParse(principal.FindFirstValue(options.UserIdClaimType), out var userId))
        {
            return null;
        }

        var stamp = principal.FindFirstValue(options.SecurityStampClaimType);
        var user = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new { u.SecurityStamp, u.DisabledAt })
            .SingleOrDefaultAsync(cancellationToken);
        if (user is null || user.DisabledAt is not null || stamp is null || !string.Equals(user.SecurityStamp, stamp, StringComparison.Ordinal))
        {
            return null;
        }

        var roles = await db.UserRoles
            .Where(ur => ur.UserId == userId)
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!)
            .ToListAsync(cancellationToken);
        var fresh = new ClaimsIdentity(
            [.. identity.Claims.Where(c => c.Type != options.RoleClaimType), .. roles.Select(r => new Claim(options.RoleClaimType, r))],
            identity.AuthenticationType, options.UserNameClaimType, options.RoleClaimType);
        return new ClaimsPrincipal(fresh);
    }

    private static async Task RejectAsync(CookieValidatePrincipalContext context)
    {
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
    }
}
