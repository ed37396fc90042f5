namespace Portal.Data.Notifications;

/// <summary>The three states of an outbox row (and of a webhook delivery in the API).</summary>
public static class OutboxStatus
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
}

/// <summary>
/// One message to one destination, written in the transaction of the change that causes it. The dispatcher
/// sends the oldest pending row of each <see cref="DestinationKey"/> first, so one destination hears events in order.
/// </summary>
public sealed class OutboxMessage
{
    public const int KindMax = 20;
    public const int DestinationKeyMax = 600;
    public const int AddressMax = 2000;
    public const int EventTypeMax = 50;
    public const int ErrorMax = 500;

    public long Id { get; set; }

    /// <summary><c>msg_</c> + 32 hex digits; the <c>webhook-id</c> of every attempt.</summary>
    public string MessageId { get; set; } = "";

    public string Kind { get; set; } = "";
    public string DestinationKey { get; set; } = "";

    /// <summary>Where to: an e-mail address, a chat id, a URL; null when <see cref="SubscriptionId"/> says it.</summary>
    public string? Address { get; set; }

    public Guid? SubscriptionId { get; set; }
    public string EventType { get; set; } = "";
    public Guid? IncidentId { get; set; }

    /// <summary>JSON: the rendered message (see Portal.Web's Notification).</summary>
    public string Payload { get; set; } = "{}";

    public string Status { get; set; } = OutboxStatus.Pending;
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? LeasedUntil { get; set; }
    public DateTimeOffset? LastAttemptAt { get; set; }
    public int? ResponseCode { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
}

/// <summary>A generic webhook: which events, of which network (null: all), in which body format, signed with which secret.</summary>
public sealed class WebhookSubscription
{
    public const int UrlMax = 2000;

    public Guid Id { get; set; }
    public string Url { get; set; } = "";
    public List<string> Events { get; set; } = [];
    public string Format { get; set; } = "standard";
    public Guid? NetworkId { get; set; }
    public string Secret { get; set; } = "";
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}
