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
        if (principal?.Identity is not ClaimsIdentity identity
            || !Guid.TryParse(principal.FindFirstValue(options.UserIdClaimType), out var userId))
        {
            await RejectAsync(context);
            return;
        }

        var db = context.HttpContext.RequestServices.GetRequiredService<PortalDbContext>();
        var stamp = principal.FindFirstValue(options.SecurityStampClaimType);
        var user = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new { u.SecurityStamp, u.DisabledAt })
            .SingleOrDefaultAsync(context.HttpContext.RequestAborted);
        if (user is null || user.DisabledAt is not null || stamp is null || !string.Equals(user.SecurityStamp, stamp, StringComparison.Ordinal))
        {
            await RejectAsync(context);
            return;
        }

        var roles = await db.UserRoles
            .Where(ur => ur.UserId == userId)
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!)
            .ToListAsync(context.HttpContext.RequestAborted);
        var fresh = new ClaimsIdentity(
            [.. identity.Claims.Where(c => c.Type != options.RoleClaimType), .. roles.Select(r => new Claim(options.RoleClaimType, r))],
            identity.AuthenticationType, options.UserNameClaimType, options.RoleClaimType);
        context.ReplacePrincipal(new ClaimsPrincipal(fresh));
    }

    private static async Task RejectAsync(CookieValidatePrincipalContext context)
    {
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
    }
}
