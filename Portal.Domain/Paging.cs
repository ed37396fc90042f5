using System.Globalization;

namespace Portal.Domain;

/// <summary>
/// A daily span of local time in which a person is not to be woken by reminders, as minutes after midnight.
/// A span whose end is not after its start wraps past midnight (23:00–07:00, the default); equal ends mean none.
/// </summary>
public readonly record struct QuietHours(int StartMinute, int EndMinute)
{
    public const int MinutesPerDay = 24 * 60;

    public static QuietHours Default { get; } = new(23 * 60, 7 * 60);

    /// <summary>True when <paramref name="localTime"/> (the person's own wall clock) falls inside the span.</summary>
    public bool Contains(TimeOnly localTime)
    {
        var minute = (localTime.Hour * 60) + localTime.Minute;
        if (StartMinute == EndMinute)
        {
            return false;
        }

        return StartMinute < EndMinute
            ? minute >= StartMinute && minute < EndMinute
            : minute >= StartMinute || minute < EndMinute;
    }

    /// <summary>Reads <c>HH:mm</c> (24-hour clock); null with a reason when it is not one.</summary>
    public static (int? Minute, string? Problem) ParseTime(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, "A time like 23:00 is required.");
        }

        return TimeOnly.TryParseExact(text, ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? ((time.Hour * 60) + time.Minute, null)
            : (null, "Use a 24-hour time like 23:00 or 07:30.");
    }

    public static string Format(int minute) => string.Create(CultureInfo.InvariantCulture, $"{minute / 60:00}:{minute % 60:00}");

    public override string ToString() => $"{Format(StartMinute)}–{Format(EndMinute)}";
}

/// <summary>The timings of reminders and escalation (configuration; the defaults are the issue's).</summary>
public sealed record PagingTimings(TimeSpan FirstReminder, TimeSpan ReminderInterval, TimeSpan EscalateAfter)
{
    public static PagingTimings Default { get; } = new(TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(15));
}

/// <summary>One operator of a still-pending validator, as the reminder policy sees them.</summary>
/// <param name="LocalTimeNow">The operator's own wall clock at the moment of the decision (the caller converts zones).</param>
/// <param name="LastRemindedAt">When this operator was last reminded about this validator in this incident, or null.</param>
public sealed record ReminderCandidate(Guid IncidentId, Guid ValidatorId, Guid UserId, TimeOnly LocalTimeNow, QuietHours Quiet, DateTimeOffset? LastRemindedAt);

/// <summary>A page as the escalation policy sees it.</summary>
public sealed record OpenPage(Guid PageId, DateTimeOffset PagedAt, DateTimeOffset? AnsweredAt, DateTimeOffset? EscalatedAt);

/// <summary>
/// When people are reminded and when a page escalates. Pure: the time of the decision is a parameter, and so is
/// each person's local time, so the policy reads neither a clock nor a time-zone database.
/// </summary>
public static class PagingPolicy
{
    /// <summary>
    /// Whether the operator is to be reminded now about a validator still pending since a release was published at
    /// <paramref name="releasePublishedAt"/>: the first reminder once <see cref="PagingTimings.FirstReminder"/> has
    /// passed, then every <see cref="PagingTimings.ReminderInterval"/>; never inside their quiet hours (a reminder
    /// that falls due while they sleep goes out once they are awake, not one per missed interval).
    /// </summary>
    public static bool ReminderDue(ReminderCandidate candidate, DateTimeOffset releasePublishedAt, DateTimeOffset now, PagingTimings timings)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(timings);
        var dueAt = candidate.LastRemindedAt is { } last && last >= releasePublishedAt
            ? last + timings.ReminderInterval
            : releasePublishedAt + timings.FirstReminder;
        return now >= dueAt && !candidate.Quiet.Contains(candidate.LocalTimeNow);
    }

    /// <summary>The operators to remind now, out of every operator of every still-pending validator.</summary>
    public static IReadOnlyList<ReminderCandidate> RemindersDue(IEnumerable<ReminderCandidate> candidates, DateTimeOffset releasePublishedAt, DateTimeOffset now, PagingTimings timings) =>
        [.. candidates.Where(c => ReminderDue(c, releasePublishedAt, now, timings))];

    /// <summary>
    /// Whether a page escalates now: unanswered <see cref="PagingTimings.EscalateAfter"/> after it was sent, and
    /// not escalated before (once per page; the commander can page again). Quiet hours do not apply: a page is
    /// the commander's explicit decision to wake someone.
    /// </summary>
    public static bool EscalationDue(OpenPage page, DateTimeOffset now, PagingTimings timings)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(timings);
        return page.AnsweredAt is null && page.EscalatedAt is null && now >= page.PagedAt + timings.EscalateAfter;
    }
}

/// <summary>What a person may enter as their notification settings, checked field by field.</summary>
public static class ChannelRules
{
    public const int TelegramChatIdMax = 64;
    public const int PagerDutyRoutingKeyMax = 64;
    public const int PageMessageMax = 2_000;

    /// <summary>
    /// A Telegram chat id: a (possibly negative, for groups) integer, or a public channel's <c>@username</c>
    /// (5 to 32 letters, digits or underscores). Null when fine.
    /// </summary>
    public static string? TelegramChatIdProblem(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > TelegramChatIdMax)
        {
            return $"A chat id has at most {TelegramChatIdMax} characters.";
        }

        var digits = value.StartsWith('-') ? value[1..] : value;
        if (digits.Length is > 0 and <= 20 && digits.All(char.IsAsciiDigit))
        {
            return null;
        }

        return value.StartsWith('@') && value.Length is >= 6 and <= 33 && value[1..].All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? null
            : "A Telegram chat id is a number (like 123456789, or -100… for a group) or a channel's @username.";
    }

    /// <summary>A PagerDuty Events API v2 integration (routing) key: 32 letters and digits.</summary>
    public static string? PagerDutyRoutingKeyProblem(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length == 32 && value.All(char.IsAsciiLetterOrDigit)
            ? null
            : "A PagerDuty integration key is the 32 letters and digits shown on the service's Events API v2 integration.";
    }
}
