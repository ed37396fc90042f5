using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Web.Features.Accounts;

namespace Portal.Web.Components.Console;

/// <summary>
/// A circuit's user, checked against the database every <see cref="ConsoleOptions.RevalidationInterval"/>, as
/// every request's cookie is (<see cref="SessionValidation"/>): a disabled user, a changed security stamp (sign-out
/// elsewhere, a new password, a re-invitation) signs the circuit out; changed roles replace the circuit's, so
/// navigation and <c>[Authorize]</c> pages follow a role change within seconds, without a reload.
/// </summary>
public sealed class CircuitAuthentication(
    ILoggerFactory loggerFactory, IServiceScopeFactory scopes, IOptions<IdentityOptions> identity, ConsoleOptions options)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => options.RevalidationInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        // A scope per check: the circuit's own scope lives as long as the circuit, and so would its DbContext.
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var fresh = await SessionValidation.RefreshAsync(db, authenticationState.User, identity.Value.ClaimsIdentity, cancellationToken);
        if (fresh is null)
        {
            return false;
        }

        if (!Roles(fresh).SetEquals(Roles(authenticationState.User)))
        {
            // Restarts the revalidation loop with the new state, which cascades to every AuthorizeView.
            SetAuthenticationState(Task.FromResult(new AuthenticationState(fresh)));
        }

        return true;
    }

    private HashSet<string> Roles(ClaimsPrincipal principal) =>
        [.. principal.FindAll(identity.Value.ClaimsIdentity.RoleClaimType).Select(c => c.Value)];
}

/// <summary>The console's settings, section <c>Portal:Console</c>.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Portal:Console";

    /// <summary>How often an open circuit's user is checked against the database.</summary>
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The least time between two live updates of one component: a burst of reports renders once.</summary>
    public TimeSpan LiveThrottle { get; set; } = TimeSpan.FromMilliseconds(250);
}
