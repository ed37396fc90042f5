using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Web.Features.Paging;

/// <summary>A channel's peer refused or failed a message; <see cref="StatusCode"/> is null when nothing answered.</summary>
public sealed class ChannelDeliveryException(string message, HttpStatusCode? statusCode, TimeSpan? retryAfter = null) : Exception(message)
{
    public HttpStatusCode? StatusCode { get; } = statusCode;

    /// <summary>What the peer asked for (429 Retry-After), if anything.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>4xx other than 408/429 will not succeed on a retry: the message or the address is wrong.</summary>
    public bool Permanent => StatusCode is { } code && (int)code is >= 400 and < 500 && code is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests);
}

/// <summary><c>Portal:Telegram</c>: the bot that speaks for the portal.</summary>
public sealed class TelegramOptions
{
    public const string Section = "Portal:Telegram";

    public string BaseUrl { get; set; } = "https://api.telegram.org";

    /// <summary>The bot token from @BotFather; a secret (it is part of the request path, so requests are never logged).</summary>
    public string? BotToken { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(BotToken);
}

/// <summary>A text to one Telegram chat.</summary>
public sealed record TelegramMessage(
    [property: JsonPropertyName("chat_id")] string ChatId,
    [property: JsonPropertyName("text")] string Text);

/// <summary>
/// Telegram Bot API <c>sendMessage</c>, plain text (no <c>parse_mode</c>, so nothing in a message can be read as
/// markup). The HTTP client is registered without request logging: the bot token is in the URL.
/// </summary>
public sealed class TelegramSender(IHttpClientFactory clients, TelegramOptions options)
{
    public const string ClientName = "telegram";

    /// <summary>Telegram caps a message at 4096 characters.</summary>
    public const int TextMax = 4096;

    public async Task SendAsync(TelegramMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!options.Enabled)
        {
            throw new ChannelDeliveryException("Telegram is not set up (Portal:Telegram:BotToken).", null);
        }

        var text = message.Text.Length > TextMax ? Portal.Domain.Text.Truncate(message.Text, TextMax) : message.Text;
        var http = clients.CreateClient(ClientName);
        var url = new Uri($"{options.BaseUrl.TrimEnd('/')}/bot{options.BotToken}/sendMessage");
        using var response = await http.PostAsJsonAsync(url, message with { Text = text }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            // The body says why ("chat not found"); the URL (with the token) is never part of the message.
            var detail = await ReadDescriptionAsync(response, cancellationToken);
            throw new ChannelDeliveryException($"Telegram answered {(int)response.StatusCode}: {detail}", response.StatusCode, response.Headers.RetryAfter?.Delta);
        }
    }

    private static async Task<string> ReadDescriptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return json.RootElement.TryGetProperty("description", out var description) ? description.GetString() ?? "" : "";
        }
        catch (JsonException)
        {
            return "(no description)";
        }
    }
}

/// <summary><c>Portal:PagerDuty</c>: where Events API v2 calls go, and the commanders' service.</summary>
public sealed class PagerDutyOptions
{
    public const string Section = "Portal:PagerDuty";

    public string BaseUrl { get; set; } = "https://events.pagerduty.com";

    /// <summary>The integration (routing) key of the incident commanders' service; a secret. Operators may add their own.</summary>
    public string? RoutingKey { get; set; }
}

/// <summary>The three actions of the Events API v2 the portal uses.</summary>
public enum PagerDutyAction
{
    Trigger,
    Acknowledge,
    Resolve,
}

/// <summary>One Events API v2 event; <see cref="Summary"/> and <see cref="Link"/> only for a trigger.</summary>
public sealed record PagerDutyEvent(string RoutingKey, PagerDutyAction Action, string DedupKey, string? Summary = null, string? Link = null, string? Source = null);

/// <summary>
/// PagerDuty Events API v2 (<c>POST /v2/enqueue</c>). One alert per incident and validator: the dedup key is
/// <see cref="DedupKey"/>, so a second page re-triggers the same alert, the validator's report acknowledges it,
/// and quorum or closing the incident resolves it.
/// </summary>
public sealed class PagerDutySender(IHttpClientFactory clients, PagerDutyOptions options)
{
    public const string ClientName = "pagerduty";

    /// <summary>PagerDuty caps a summary at 1024 characters.</summary>
    public const int SummaryMax = 1024;

    public static string DedupKey(Guid incidentId, string? validatorKey) =>
        validatorKey is null ? $"portal/{incidentId:N}" : $"portal/{incidentId:N}/{validatorKey}";

    public static object Body(PagerDutyEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var action = e.Action switch
        {
            PagerDutyAction.Trigger => "trigger",
            PagerDutyAction.Acknowledge => "acknowledge",
            _ => "resolve",
        };
        if (e.Action != PagerDutyAction.Trigger)
        {
            return new Dictionary<string, object> { ["routing_key"] = e.RoutingKey, ["event_action"] = action, ["dedup_key"] = e.DedupKey };
        }

        var body = new Dictionary<string, object>
        {
            ["routing_key"] = e.RoutingKey,
            ["event_action"] = action,
            ["dedup_key"] = e.DedupKey,
            ["payload"] = new Dictionary<string, object>
            {
                ["summary"] = Portal.Domain.Text.Truncate(e.Summary ?? e.DedupKey, SummaryMax),
                ["source"] = e.Source ?? "validator-portal",
                ["severity"] = "critical",
            },
        };
        if (e.Link is not null)
        {
            body["links"] = new[] { new Dictionary<string, string> { ["href"] = e.Link, ["text"] = "Open in the portal" } };
        }

        return body;
    }

    public async Task SendAsync(PagerDutyEvent e, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(e);
        var http = clients.CreateClient(ClientName);
        using var response = await http.PostAsJsonAsync(new Uri($"{options.BaseUrl.TrimEnd('/')}/v2/enqueue"), Body(e), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ChannelDeliveryException($"PagerDuty answered {(int)response.StatusCode}.", response.StatusCode, response.Headers.RetryAfter?.Delta);
        }
    }
}
