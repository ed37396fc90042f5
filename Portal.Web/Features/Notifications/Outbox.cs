using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Portal.Data;
using Portal.Data.Notifications;

namespace Portal.Web.Features.Notifications;

/// <summary>
/// The notification outbox: every message to the outside world is a row of <c>outbox_messages</c> written in the
/// transaction of the change that causes it, and sent after commit by <see cref="OutboxDispatcher"/>.
/// <para>How to use it:</para>
/// <list type="bullet">
/// <item><b>Send one message</b>: inside the change's transaction (an <c>IncidentWrites.ChangeAsync</c> callback, or
/// before the <c>SaveChangesAsync</c> that commits your change) call
/// <c>Outbox.Enqueue(db, Destination.To(DestinationKinds.Telegram, chatId), notification)</c>. It only adds the row
/// to the context; the caller's <c>SaveChangesAsync</c> and commit write it. Nothing is sent if the change rolls back.</item>
/// <item><b>An incident event to everyone who listens</b>: in an incident change call
/// <c>change.Raise(notification)</c>; before commit <see cref="NotificationFanOut"/> asks every registered
/// <see cref="INotificationAudience"/> (webhook subscriptions, operators' e-mail, …) for destinations and enqueues
/// one row per destination. Add a channel's audience with <c>services.AddScoped&lt;INotificationAudience, YourAudience&gt;()</c>.</item>
/// <item><b>A new channel</b>: implement <see cref="INotificationSender"/> (its <see cref="INotificationSender.Kind"/>
/// is the destination kind it sends) and register it with <c>services.AddScoped&lt;INotificationSender, YourSender&gt;()</c>.
/// The dispatcher calls <c>SendAsync</c> with a token that cancels after <c>Portal:Notifications:AttemptTimeoutSeconds</c>
/// (10 s); return <see cref="DeliveryOutcome.Delivered"/>, <see cref="DeliveryOutcome.Retry"/> or
/// <see cref="DeliveryOutcome.GiveUp"/>. Throwing counts as a retryable failure. For HTTP use the named client
/// <see cref="NotificationSetup.HttpClientName"/> (no redirects, private addresses refused unless allowed, no URL logging).</item>
/// </list>
/// Delivery is at least once (a receiver may see a message twice: <see cref="OutboxItem.MessageId"/> is stable), in
/// order per <see cref="Destination.Key"/> (a later message waits until the earlier one is delivered or failed),
/// retried with exponential back-off and jitter (<see cref="RetrySchedule"/>) and marked failed once the first attempt
/// is older than <c>Portal:Notifications:RetryHours</c> (24).
/// </summary>
public static class Outbox
{
    /// <summary>Adds one message for one destination to <paramref name="db"/>; the caller's SaveChanges and commit write it.</summary>
    public static OutboxMessage Enqueue(PortalDbContext db, Destination destination, Notification message)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(message);
        var row = new OutboxMessage
        {
            MessageId = NewMessageId(),
            Kind = destination.Kind,
            DestinationKey = destination.Key,
            Address = destination.Address,
            SubscriptionId = destination.SubscriptionId,
            EventType = message.EventType,
            IncidentId = message.IncidentId,
            Payload = JsonSerializer.Serialize(NotificationPayload.From(message), NotificationPayload.Json),
            Status = OutboxStatus.Pending,
            CreatedAt = message.At,
            NextAttemptAt = message.At,
        };
        db.OutboxMessages.Add(row);
        return row;
    }

    /// <summary>The Standard Webhooks message id: <c>msg_</c> and 32 hex digits.</summary>
    public static string NewMessageId() => "msg_" + Guid.NewGuid().ToString("N");
}

/// <summary>The destination kinds the portal knows; a sender is registered per kind.</summary>
public static class DestinationKinds
{
    public const string Email = "email";
    public const string Webhook = "webhook";
    public const string Telegram = "telegram";
    public const string PagerDuty = "pagerduty";
}

/// <summary>
/// Where a message goes. <see cref="Key"/> orders delivery: messages with the same key are delivered one after the
/// other, oldest first (one key per mailbox, per webhook subscription, per chat).
/// </summary>
public sealed record Destination(string Kind, string Key, string? Address, Guid? SubscriptionId = null)
{
    /// <summary>A destination addressed by a string (an e-mail address, a chat id, a routing key).</summary>
    public static Destination To(string kind, string address) =>
        new(kind, $"{kind}:{(kind == DestinationKinds.Email ? address.ToLowerInvariant() : address)}", address);

    public static Destination Email(string address) => To(DestinationKinds.Email, address);

    public static Destination Webhook(Guid subscriptionId) =>
        new(DestinationKinds.Webhook, $"{DestinationKinds.Webhook}:{subscriptionId:N}", null, subscriptionId);
}

/// <summary>
/// One event, ready for any channel: a type from <see cref="NotificationEvents"/>, when it happened, a subject and a
/// plain-text line a person reads (chat, e-mail), structured <see cref="Data"/> (a standard webhook's <c>data</c>),
/// and a <see cref="Link"/> into the portal (a path; senders make it absolute with <c>Portal:PublicUrl</c>).
/// </summary>
public sealed record Notification(string EventType, DateTimeOffset At, string Subject, string Text, JsonObject Data)
{
    public Guid? IncidentId { get; init; }
    public Guid? NetworkId { get; init; }
    public string? Link { get; init; }

    /// <summary>The portal's origin when the event happened (set by the fan-out): links use it if <c>Portal:PublicUrl</c> is unset.</summary>
    public string? Origin { get; init; }
}

/// <summary>What a row's <c>payload</c> holds: the notification as written.</summary>
public sealed record NotificationPayload(string Type, DateTimeOffset Timestamp, string Subject, string Text, string? Link, Guid? NetworkId, JsonObject Data)
{
    public string? Origin { get; init; }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static NotificationPayload From(Notification n) => new(n.EventType, n.At, n.Subject, n.Text, n.Link, n.NetworkId, n.Data) { Origin = n.Origin };

    public static NotificationPayload Parse(string json) =>
        JsonSerializer.Deserialize<NotificationPayload>(json, Json) ?? throw new InvalidOperationException("Empty outbox payload.");
}

/// <summary>One row as a sender sees it, with its attempt number (1 for the first).</summary>
public sealed record OutboxItem(
    long Id, string MessageId, string Kind, string DestinationKey, string? Address, Guid? SubscriptionId,
    string EventType, Guid? IncidentId, NotificationPayload Payload, int Attempt, DateTimeOffset CreatedAt)
{
    internal static OutboxItem From(OutboxMessage row) => new(
        row.Id, row.MessageId, row.Kind, row.DestinationKey, row.Address, row.SubscriptionId, row.EventType, row.IncidentId,
        NotificationPayload.Parse(row.Payload), row.Attempts + 1, row.CreatedAt);
}

/// <summary>Sends the messages of one destination kind.</summary>
public interface INotificationSender
{
    /// <summary>The <see cref="Destination.Kind"/> this sender delivers.</summary>
    string Kind { get; }

    Task<DeliveryOutcome> SendAsync(OutboxItem item, CancellationToken cancellationToken);
}

/// <summary>
/// How an attempt went. <see cref="ResponseCode"/> is the peer's answer (HTTP status, SMTP reply code) when there was
/// one; <see cref="Error"/> a short reason, never containing a secret or a token.
/// </summary>
public sealed record DeliveryOutcome(bool IsDelivered, bool IsPermanent, int? ResponseCode, string? Error)
{
    public static DeliveryOutcome Delivered(int? responseCode = null) => new(true, false, responseCode, null);

    /// <summary>Failed for now: tried again after a back-off, until the retry horizon.</summary>
    public static DeliveryOutcome Retry(string error, int? responseCode = null) => new(false, false, responseCode, error);

    /// <summary>Will never succeed (the subscription is gone, the address is refused): marked failed at once.</summary>
    public static DeliveryOutcome GiveUp(string error, int? responseCode = null) => new(false, true, responseCode, error);
}

/// <summary>Who hears an incident event: each registered audience adds its destinations.</summary>
public interface INotificationAudience
{
    Task<IReadOnlyList<Destination>> DestinationsAsync(PortalDbContext db, Notification notification, CancellationToken cancellationToken);
}
