using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Portal.Tests.Web.Api;

namespace Portal.Tests.Notifications;

/// <summary>Subscribing through the API, and checking a delivery the way a receiver would.</summary>
public static class Hooks
{
    public static async Task<(Guid Id, string Secret)> SubscribeAsync(HttpClient client, Uri url, string[] events, Guid? networkId = null, string? format = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var created = await Api.OkAsync(await client.PostAsync(Api.Path("/api/v1/webhooks"), Api.Json(new { url = url.ToString(), events, networkId, format })), HttpStatusCode.Created);
        return (created.GetProperty("id").GetGuid(), created.GetProperty("secret").GetString()!);
    }

    public static async Task<JsonElement[]> DeliveriesAsync(HttpClient client, Guid id) =>
        [.. (await Api.OkAsync(await client.GetAsync(Api.Path($"/api/v1/webhooks/{id}/deliveries")))).EnumerateArray()];

    /// <summary>
    /// The Standard Webhooks check, written out here from the specification and not with the portal's code: HMAC-SHA256
    /// keyed with the base64-decoded part of the secret after <c>whsec_</c>, over <c>id.timestamp.body</c>.
    /// </summary>
    public static bool SignatureVerifies(ReceivedHook hook, string secret)
    {
        ArgumentNullException.ThrowIfNull(hook);
        ArgumentNullException.ThrowIfNull(secret);
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        using var hmac = new HMACSHA256(Convert.FromBase64String(secret.Substring("whsec_".Length)));
        var expected = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(hook.Header("webhook-id") + "." + hook.Header("webhook-timestamp") + "." + hook.Body)));
        return hook.Header("webhook-signature").Split(' ').Any(s => s == "v1," + expected);
    }

    public static JsonElement Parse(ReceivedHook hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        using var document = JsonDocument.Parse(hook.Body);
        return document.RootElement.Clone();
    }
}
