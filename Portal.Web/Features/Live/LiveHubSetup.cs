using System.Text.Encodings.Web;
using Microsoft.AspNetCore.SignalR;
using Portal.Web.Hubs;

namespace Portal.Web.Features.Live;

public static class LiveHubSetup
{
    /// <summary>
    /// The incident hub: SignalR with <see cref="BoundedHubLifetimeManager{THub}"/>, and JSON payloads written
    /// without HTML-escaping. The default encoder writes every <c>&lt; &gt; &amp; ' "</c> as a six-byte
    /// <c>\u003C</c>, which roughly doubles the bytes of an HTML fragment on the wire to every watcher. That
    /// escaping guards JSON pasted into an HTML page or a script element; these payloads never are: the client
    /// reads each WebSocket frame with <c>JSON.parse</c> (the SignalR client), and fragments are HTML the page
    /// inserts as HTML from its own server anyway. Quotes, backslashes and control characters are still escaped
    /// (that is JSON itself), so the documents' values are unchanged.
    /// </summary>
    public static IServiceCollection AddPortalLiveHub(this IServiceCollection services)
    {
        services.AddSignalR().AddJsonProtocol(options => options.PayloadSerializerOptions.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        services.AddSingleton<HubLifetimeManager<IncidentHub>, BoundedHubLifetimeManager<IncidentHub>>();
        return services;
    }
}
