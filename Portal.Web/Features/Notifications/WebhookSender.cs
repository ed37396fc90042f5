using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Web.Features.Notifications;

/// <summary>
/// Sends webhook deliveries: <c>standard</c> (Standard Webhooks: <c>{type, timestamp, data}</c>, signed),
/// <c>slack</c> (<c>{text}</c>) and <c>discord</c> (<c>{content}</c>). 2xx is delivered; anything else, a redirect
/// included (never followed), is retried.
/// </summary>
public sealed class WebhookSender(PortalDbContext db, IHttpClientFactory http, TimeProvider clock, PortalLinks links) : INotificationSender
{
    /// <summary>Discord refuses longer content.</summary>
    public const int DiscordMax = 2000;

    public string Kind => DestinationKinds.Webhook;

    public async Task<DeliveryOutcome> SendAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var subscription = await db.WebhookSubscriptions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == item.SubscriptionId, cancellationToken);
        if (subscription is null)
        {
            return DeliveryOutcome.GiveUp("The webhook subscription was deleted.");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url);
        var body = Body(subscription.Format, item.Payload);
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (subscription.Format == WebhookFormats.Standard)
        {
            // The timestamp is the attempt's (receivers reject old ones against replay); the id is the message's.
            var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
            request.Headers.Add("webhook-id", item.MessageId);
            request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("webhook-signature", StandardWebhookSignature.Sign(subscription.Secret, item.MessageId, timestamp, body));
        }

        try
        {
            using var response = await http.CreateClient(NotificationSetup.HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return DeliveryOutcome.Delivered(code);
            }

            return code is >= 300 and < 400
                ? DeliveryOutcome.Retry($"HTTP {code}: the receiver redirects, and redirects are not followed.", code)
                : DeliveryOutcome.Retry($"HTTP {code} {response.ReasonPhrase}", code);
        }
        catch (HttpRequestException ex) when (ex.InnerException is BlockedAddressException blocked)
        {
            return DeliveryOutcome.GiveUp(blocked.Message);
        }
        catch (HttpRequestException ex)
        {
            // The message names the failure (refused, reset, name not found), not the URL.
            return DeliveryOutcome.Retry(ex.HttpRequestError == HttpRequestError.Unknown ? ex.Message : $"{ex.HttpRequestError}: {ex.Message}");
        }
    }

    /// <summary>The body for a subscription's format.</summary>
    public string Body(string format, NotificationPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var link = links.Absolute(payload.Link, payload.Origin);
        var line = link is null ? payload.Text : $"{payload.Text} {link}";
        JsonObject body = format switch
        {
            WebhookFormats.Slack => new JsonObject { ["text"] = line },
            WebhookFormats.Discord => new JsonObject { ["content"] = Portal.Domain.Text.Truncate(line, DiscordMax) },
            _ => new JsonObject
            {
                ["type"] = payload.Type,
                ["timestamp"] = payload.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                ["data"] = payload.Data.DeepClone(),
            },
        };
        return body.ToJsonString(JsonSerializerOptions.Web);
    }
}

public static class WebhookFormats
{
    public const string Standard = "standard";
    public const string Slack = "slack";
    public const string Discord = "discord";

    public static IReadOnlyList<string> All { get; } = [Standard, Slack, Discord];
}

/// <summary>Absolute links into the portal for messages read outside it: <c>Portal:PublicUrl</c>, else the request's origin.</summary>
public sealed class PortalLinks(IConfiguration configuration, IHttpContextAccessor http)
{
    public string? Base => configuration["Portal:PublicUrl"] is { Length: > 0 } configured ? configured.TrimEnd('/') : null;

    /// <summary>An absolute link: on <c>Portal:PublicUrl</c>, else on the origin recorded with the event, else none.</summary>
    public string? Absolute(string? path, string? recordedOrigin = null) =>
        path is null ? null : (Base ?? recordedOrigin) is { } origin ? origin + path : null;

    /// <summary><c>Portal:PublicUrl</c>, else the origin of the request being served (null outside one).</summary>
    public string? CurrentOrigin()
    {
        if (Base is { } configured)
        {
            return configured;
        }

        try
        {
            return http.HttpContext?.Request is { Host.HasValue: true } request ? $"{request.Scheme}://{request.Host}" : null;
        }
        catch (ObjectDisposedException)
        {
            // A batch applied after its request ended (group commit): no origin to borrow.
            return null;
        }
    }
}
