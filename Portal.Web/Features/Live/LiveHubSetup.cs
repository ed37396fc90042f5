using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.SignalR;
using Portal.Web.Hubs;

namespace Portal.Web.Features.Live;

public static class LiveHubSetup
{
    /// <summary>The incident hub: SignalR with <see cref="BoundedHubLifetimeManager{THub}"/> (fragments' HTML is written by <see cref="UnescapedHtmlConverter"/>).</summary>
    public static IServiceCollection AddPortalLiveHub(this IServiceCollection services)
    {
        services.AddSignalR();
        services.AddSingleton<HubLifetimeManager<IncidentHub>, BoundedHubLifetimeManager<IncidentHub>>();
        return services;
    }
}

/// <summary>
/// Writes a fragment's HTML as a JSON string without HTML-escaping. SignalR's JSON protocol writes through a
/// writer with the default encoder, which turns every <c>&lt; &gt; &amp; '</c> and <c>"</c> into a six-byte
/// <c>\u003C</c> and so roughly doubles each fragment's bytes to every watcher. That escaping guards JSON pasted
/// into an HTML page or a script element; this JSON never is: the SignalR client reads each WebSocket frame
/// with <c>JSON.parse</c>, and the fragment is HTML the page inserts as HTML from its own server anyway. Quotes,
/// backslashes and control characters are still escaped (that is JSON itself), so the value is unchanged.
/// </summary>
public sealed class UnescapedHtmlConverter : JsonConverter<string>
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetString();

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteRawValue(JsonSerializer.SerializeToUtf8Bytes(value, Relaxed), skipInputValidation: true);
    }
}
