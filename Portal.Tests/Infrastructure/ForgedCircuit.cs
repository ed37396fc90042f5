using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Portal.Web.Components.Console;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// A console circuit's <see cref="OperationScope"/> for a principal of the test's choosing, as an open page calls
/// services: with claims that may say more than the database does (a stale cookie), so only the service's own
/// check can refuse.
/// </summary>
public static class ForgedCircuit
{
    private sealed class FixedAuthentication(ClaimsPrincipal user) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(user));
    }

    /// <summary>A principal built as an old cookie would carry it: the claims say <paramref name="roles"/>.</summary>
    public static ClaimsPrincipal Claiming(TestUser user, params string[] roles)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()), new Claim(ClaimTypes.Name, user.UserName), .. roles.Select(r => new Claim(ClaimTypes.Role, r))],
            authenticationType: "Test"));
    }

    public static OperationScope For(PortalFactory portal, ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(portal);
        return new(portal.Services.GetRequiredService<IServiceScopeFactory>(), new FixedAuthentication(user));
    }
}
