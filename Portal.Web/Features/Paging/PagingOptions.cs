using Portal.Domain;

namespace Portal.Web.Features.Paging;

/// <summary><c>Portal:Paging</c>: reminder and escalation timings and the per-commander page limit.</summary>
public sealed class PagingOptions
{
    public const string Section = "Portal:Paging";

    /// <summary>Minutes after a release is published before the first reminder to operators of pending validators.</summary>
    public int FirstReminderMinutes { get; set; } = 30;

    /// <summary>Minutes between later reminders.</summary>
    public int ReminderIntervalMinutes { get; set; } = 60;

    /// <summary>Minutes a page may go unanswered before it escalates to secondary contacts and the commander.</summary>
    public int EscalateAfterMinutes { get; set; } = 15;

    /// <summary>Pages one commander may send per <see cref="RateWindowSeconds"/> ("page all needed" counts once).</summary>
    public int PagesPerWindow { get; set; } = 30;

    public int RateWindowSeconds { get; set; } = 60;

    /// <summary>How often the background sweep looks for reminders and escalations due.</summary>
    public int SweepSeconds { get; set; } = 60;

    /// <summary>Off in tests that drive the sweep themselves.</summary>
    public bool SweepEnabled { get; set; } = true;

    public PagingTimings Timings => new(TimeSpan.FromMinutes(FirstReminderMinutes), TimeSpan.FromMinutes(ReminderIntervalMinutes), TimeSpan.FromMinutes(EscalateAfterMinutes));
}

/// <summary>Timeline entry kinds of paging.</summary>
public static class PagingKinds
{
    public const string Paged = "validator-paged";
    public const string Answered = "page-answered";
    public const string Escalated = "page-escalated";
    public const string Reminded = "validator-reminded";

    /// <summary>Outbox event types of reminders and escalations (pages use <c>validator.paged</c>).</summary>
    public const string ReminderEvent = "validator.reminded";
    public const string EscalationEvent = "page.escalated";
}

/// <summary>Too many pages from one commander in the window; retry after <see cref="RetryAfter"/>.</summary>
public sealed class PagingRateLimitedException(TimeSpan retryAfter)
    : Exception($"Too many pages in a short time; try again in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} s.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// A sliding window of page times per commander, on the portal's <see cref="TimeProvider"/> (one instance's
/// count: behind several instances a commander gets up to that many per instance, which still stops a runaway
/// script or a stuck button).
/// </summary>
public sealed class PageRateLimiter(TimeProvider clock, PagingOptions options)
{
    private readonly Dictionary<Guid, Queue<DateTimeOffset>> _recent = [];

    /// <summary>Counts one page for <paramref name="userId"/>, or throws when the window is full.</summary>
    public void Acquire(Guid userId)
    {
        var now = clock.GetUtcNow();
        var window = TimeSpan.FromSeconds(options.RateWindowSeconds);
        lock (_recent)
        {
            if (!_recent.TryGetValue(userId, out var times))
            {
                _recent[userId] = times = new Queue<DateTimeOffset>();
            }

            while (times.Count > 0 && times.Peek() <= now - window)
            {
                times.Dequeue();
            }

            if (times.Count >= options.PagesPerWindow)
            {
                throw new PagingRateLimitedException(times.Peek() + window - now);
            }

            times.Enqueue(now);
        }
    }
}
