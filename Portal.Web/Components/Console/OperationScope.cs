using Microsoft.AspNetCore.Components.Authorization;
using Portal.Web.Features.Accounts;

namespace Portal.Web.Components.Console;

/// <summary>
/// How an interactive page calls a service. A circuit lives for hours and its DI scope with it, so a scoped
/// service (and the <c>PortalDbContext</c> under it) injected into a component would be shared by every click of
/// that session. Instead each call runs in a fresh scope, as a request would: its own context, disposed at the
/// end, and a <see cref="CallerAccess"/> set to the circuit's user as it stands now (the circuit has no
/// <c>HttpContext</c>, and the one from the connection's start is stale). Services then check their caller
/// exactly as they do for a request.
/// <code>
/// events = await Operations.RunAsync((UserDirectory directory) => directory.RecentEventsAsync(500));
/// </code>
/// </summary>
public sealed class OperationScope(IServiceScopeFactory scopes, AuthenticationStateProvider authentication)
{
    public async Task<TResult> RunAsync<TService, TResult>(Func<TService, Task<TResult>> operation)
        where TService : notnull
    {
        ArgumentNullException.ThrowIfNull(operation);
        await using var scope = await BeginAsync();
        return await operation(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public async Task RunAsync<TService>(Func<TService, Task> operation)
        where TService : notnull
    {
        ArgumentNullException.ThrowIfNull(operation);
        await using var scope = await BeginAsync();
        await operation(scope.ServiceProvider.GetRequiredService<TService>());
    }

    private async Task<AsyncServiceScope> BeginAsync()
    {
        var user = (await authentication.GetAuthenticationStateAsync()).User;
        var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CallerAccess>().Principal = user;
        return scope;
    }
}
