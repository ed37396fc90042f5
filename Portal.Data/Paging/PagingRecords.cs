namespace Portal.Data.Paging;

/// <summary>
/// One user's channels and quiet hours. A row exists once the user saved the page; without one the user is reached
/// by nothing and is quiet 23:00–07:00 UTC.
/// </summary>
public sealed class NotificationSettings
{
    public Guid UserId { get; set; }
    public string? Email { get; set; }
    public DateTimeOffset? EmailVerifiedAt { get; set; }
    public string? EmailTokenHash { get; set; }
    public DateTimeOffset? EmailTokenExpiresAt { get; set; }
    public string? TelegramChatId { get; set; }
    public string? PagerDutyRoutingKey { get; set; }
    public string TimeZone { get; set; } = "UTC";
    public int QuietStartMinute { get; set; } = 23 * 60;
    public int QuietEndMinute { get; set; } = 7 * 60;
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The e-mail address, only once verified: nothing is ever sent to an unverified one.</summary>
    public string? VerifiedEmail => EmailVerifiedAt is null ? null : Email;
}

/// <summary>
/// Someone to wake when a page goes unanswered: for every validator of <see cref="UserId"/>, or for one
/// <see cref="ValidatorId"/> (exactly one of the two is set).
/// </summary>
public sealed class SecondaryContact
{
    public Guid Id { get; set; }
    public Guid? UserId { get; set; }
    public Guid? ValidatorId { get; set; }
    public Guid ContactUserId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A commander's page to the operators of one validator, and whether it was answered or escalated.</summary>
public sealed class Page
{
    public Guid Id { get; set; }
    public Guid IncidentId { get; set; }
    public Guid ValidatorId { get; set; }
    public Guid? PagedBy { get; set; }
    public string PagedByName { get; set; } = string.Empty;
    public string? Message { get; set; }
    public DateTimeOffset PagedAt { get; set; }
    public List<string> Channels { get; set; } = [];
    public DateTimeOffset? AnsweredAt { get; set; }
    public DateTimeOffset? EscalatedAt { get; set; }
}

/// <summary>When one operator was last reminded about one pending validator of one incident.</summary>
public sealed class Reminder
{
    public Guid IncidentId { get; set; }
    public Guid ValidatorId { get; set; }
    public Guid UserId { get; set; }
    public DateTimeOffset LastRemindedAt { get; set; }
    public int RemindedCount { get; set; }
}
