using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor.Services;
using Portal.Web.Features.Live;

namespace Portal.Web.Components.Console;

/// <summary>
/// The Razor components, rendered two ways (see docs/decisions: two render modes): signed-in working pages
/// interactive on the server (circuits), with MudBlazor; account and public pages static, without a circuit.
/// </summary>
public static class ConsoleSetup
{
    public static IServiceCollection AddPortalConsole(this IServiceCollection services, IConfiguration configuration)
    {
        // A pasted validator set arrives as one message; 32 KB (the default) would drop the circuit at ~300 rows.
        services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(hub => hub.MaximumReceiveMessageSize = 2 * 1024 * 1024);
        services.AddMudServices();
        services.AddSingleton(configuration.GetSection(ConsoleOptions.Section).Get<ConsoleOptions>() ?? new ConsoleOptions());
        services.AddScoped<AuthenticationStateProvider, CircuitAuthentication>();
        services.AddScoped<OperationScope>();
        services.AddSingleton<IncidentNotifier>();
        return services;
    }
}
