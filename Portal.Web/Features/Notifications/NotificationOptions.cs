namespace Portal.Web.Features.Notifications;

/// <summary><c>Portal:Notifications</c>: how the dispatcher runs.</summary>
public sealed class NotificationOptions
{
    public const string Section = "Portal:Notifications";

    /// <summary>Whether this instance runs the dispatcher (every instance may; they share the work).</summary>
    public bool Dispatch { get; set; } = true;

    /// <summary>How often an idle dispatcher looks for due messages (wall clock).</summary>
    public int PollMilliseconds { get; set; } = 1000;

    /// <summary>Messages in flight at once per instance; a hanging receiver holds one of them, never all.</summary>
    public int Concurrency { get; set; } = 16;

    /// <summary>Each attempt's limit (wall clock): the API promises 10 s.</summary>
    public int AttemptTimeoutSeconds { get; set; } = 10;

    /// <summary>How long a message is retried, counted from when it was written; then it is marked failed.</summary>
    public double RetryHours { get; set; } = 24;

    /// <summary>An instance that claims a message holds it this long; one that dies releases it when this runs out.</summary>
    public int LeaseSeconds { get; set; } = 120;
}

/// <summary><c>Portal:Webhooks</c>.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Portal:Webhooks";

    /// <summary>Lets webhooks reach loopback, link-local and private addresses (tests, a portal inside a private network).</summary>
    public bool AllowPrivateAddresses { get; set; }
}

/// <summary><c>Portal:Smtp</c>: the mail relay e-mail goes through. Without a host no e-mail is written to the outbox.</summary>
public sealed class SmtpOptions
{
    public const string Section = "Portal:Smtp";

    public string? Host { get; set; }
    public int Port { get; set; } = 587;
    public string? User { get; set; }
    public string? Password { get; set; }
    public string? From { get; set; }

    /// <summary>Upgrade the connection with STARTTLS (required when true); false sends in clear (a relay on localhost).</summary>
    public bool StartTls { get; set; } = true;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host) && !string.IsNullOrWhiteSpace(From);
}
