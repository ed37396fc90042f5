using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Portal.Web.Features.Security;

/// <summary>
/// X-Forwarded-For and X-Forwarded-Proto are honoured only from the proxies named in
/// <c>Portal:ForwardedHeaders:KnownProxies</c> (addresses) and <c>KnownNetworks</c> (CIDR ranges). With none
/// named, they are ignored, even when ASPNETCORE_FORWARDEDHEADERS_ENABLED is set: that switch alone trusts every
/// client, so anyone could pick the address the rate limits and the sign-in throttle count against.
/// </summary>
public static class ForwardedHeadersSetup
{
    public const string Section = "Portal:ForwardedHeaders";

    public static IServiceCollection AddPortalForwardedHeaders(this IServiceCollection services, IConfiguration configuration)
    {
        var proxies = configuration.GetSection(Section + ":KnownProxies").Get<string[]>() ?? [];
        var networks = configuration.GetSection(Section + ":KnownNetworks").Get<string[]>() ?? [];

        // PostConfigure runs after the host's own (registered earlier), so this has the last word.
        services.PostConfigure<ForwardedHeadersOptions>(options =>
        {
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in proxies)
            {
                options.KnownProxies.Add(IPAddress.TryParse(proxy, out var address)
                    ? address
                    : throw new InvalidOperationException($"{Section}:KnownProxies: '{proxy}' is not an IP address."));
            }

            foreach (var network in networks)
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var range)
                    ? range
                    : throw new InvalidOperationException($"{Section}:KnownNetworks: '{network}' is not a CIDR range like 10.0.0.0/8."));
            }

            // Empty lists would mean "trust everyone" to the middleware: with nothing configured, forward nothing.
            options.ForwardedHeaders = options.KnownProxies.Count + options.KnownIPNetworks.Count == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        });
        return services;
    }

    /// <summary>First in the pipeline, so logs, limits and cookies see the client's address and scheme.</summary>
    public static IApplicationBuilder UsePortalForwardedHeaders(this IApplicationBuilder app) => app.UseForwardedHeaders();
}
