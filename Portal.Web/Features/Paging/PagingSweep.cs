using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Paging;
using Portal.Domain;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Paging;

/// <summary>What one sweep did.</summary>
public sealed record SweepResult(int Reminded, int Escalated);

/// <summary>
/// Applies <see cref="PagingPolicy"/> to the database: reminders to operators of validators still pending after a
/// release was published (outside their quiet hours), and escalation of unanswered pages to the validator's
/// secondary contacts and the commander who paged. Each incident is worked inside its own change, under the
/// incident's lock, so two instances sweeping at once neither remind nor escalate twice.
/// </summary>
public sealed partial class PagingSweeper(
    PortalDbContext db, IncidentWrites writes, Recipients recipients, INoticeOutbox outbox, PagingOptions options, TimeProvider clock, PortalLinks links,
    ILogger<PagingSweeper> logger)
{
    private static readonly IncidentStatus[] Quiet = [IncidentStatus.Resumed, IncidentStatus.Closed];

    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var timings = options.Timings;
        var firstDue = now - timings.FirstReminder;
        var escalateBefore = now - timings.EscalateAfter;
        var withReminders = await db.Incidents.AsNoTracking()
            .Where(i => !Quiet.Contains(i.Status)
                && db.Releases.Any(r => r.IncidentId == i.Id && r.Status == ReleaseStatus.Published && r.PublishedAt <= firstDue)
                && db.IncidentValidators.Any(v => v.IncidentId == i.Id && v.State == ValidatorState.Pending))
            .Select(i => i.Id).ToListAsync(cancellationToken);
        var withEscalations = await db.Pages.AsNoTracking()
            .Where(p => p.AnsweredAt == null && p.EscalatedAt == null && p.PagedAt <= escalateBefore)
            .Where(p => db.Incidents.Any(i => i.Id == p.IncidentId && i.Status != IncidentStatus.Closed))
            .Select(p => p.IncidentId).Distinct().ToListAsync(cancellationToken);

        var reminded = 0;
        var escalated = 0;
        foreach (var incidentId in withReminders.Union(withEscalations))
        {
            try
            {
                var (r, e) = await writes.ChangeAsync(incidentId, "portal", async change =>
                    (await RemindAsync(change, cancellationToken), await EscalateAsync(change, cancellationToken)), cancellationToken);
                reminded += r;
                escalated += e;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One incident's trouble (a deleted user, a bad zone) must not stop reminders for the others.
                LogSweepFailed(ex, incidentId);
            }

            db.ChangeTracker.Clear();
        }

        return new SweepResult(reminded, escalated);
    }

    private async Task<int> RemindAsync(IncidentChange change, CancellationToken cancellationToken)
    {
        var incidentId = change.Incident.Id;
        if (Quiet.Contains(change.Incident.Status)
            || IncidentReader.CurrentRelease(await db.Releases.AsNoTracking().Where(r => r.IncidentId == incidentId && r.Status == ReleaseStatus.Published).ToListAsync(cancellationToken)) is not { PublishedAt: { } publishedAt } release)
        {
            return 0;
        }

        var pending = await db.IncidentValidators.AsNoTracking()
            .Where(v => v.IncidentId == incidentId && v.State == ValidatorState.Pending)
            .Join(db.OperatorBindings, v => v.ValidatorId, b => b.ValidatorId, (v, b) => new { v.ValidatorId, b.UserId })
            .ToListAsync(cancellationToken);
        if (pending.Count == 0)
        {
            return 0;
        }

        var settings = await recipients.SettingsAsync([.. pending.Select(p => p.UserId).Distinct()], cancellationToken);
        var last = await db.Reminders.Where(r => r.IncidentId == incidentId).ToDictionaryAsync(r => (r.ValidatorId, r.UserId), cancellationToken);
        var candidates = pending
            .Where(p => settings.ContainsKey(p.UserId))
            .Select(p => new ReminderCandidate(incidentId, p.ValidatorId, p.UserId, LocalTime(settings[p.UserId].TimeZone, change.Now),
                new QuietHours(settings[p.UserId].QuietStartMinute, settings[p.UserId].QuietEndMinute),
                last.TryGetValue((p.ValidatorId, p.UserId), out var r) ? r.LastRemindedAt : null))
            .ToList();
        var due = PagingPolicy.RemindersDue(candidates, publishedAt, change.Now, options.Timings);
        if (due.Count == 0)
        {
            return 0;
        }

        var ids = due.Select(d => d.ValidatorId).Distinct().ToList();
        var names = await db.Validators.AsNoTracking().Where(v => ids.Contains(v.Id)).ToDictionaryAsync(v => v.Id, v => v.Name, cancellationToken);
        var notices = new List<Notice>();
        foreach (var candidate in due)
        {
            var subject = $"Reminder: {names[candidate.ValidatorId]} has not acknowledged hotfix {release.Version}";
            var text = $"Hotfix {release.Version} for \"{change.Incident.Title}\" was published at {publishedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC and "
                + $"{names[candidate.ValidatorId]} still shows pending. Report its state: {links.Operator(incidentId)}\n";

            // Reminders go by e-mail and chat only: PagerDuty is for pages, which wake people on purpose.
            notices.AddRange(recipients.For(settings[candidate.UserId], subject, text, null).Select(n => n with { EventType = PagingKinds.ReminderEvent, IncidentId = incidentId }));
            if (last.TryGetValue((candidate.ValidatorId, candidate.UserId), out var row))
            {
                row.LastRemindedAt = change.Now;
                row.RemindedCount++;
            }
            else
            {
                db.Reminders.Add(new Reminder { IncidentId = incidentId, ValidatorId = candidate.ValidatorId, UserId = candidate.UserId, LastRemindedAt = change.Now, RemindedCount = 1 });
            }
        }

        await outbox.EnqueueAsync(db, notices, cancellationToken);
        var validators = ids.Select(id => names[id]).Order(StringComparer.Ordinal).ToList();
        change.Record(PagingKinds.Reminded,
            $"Reminded {PagingService.Plural(due.Select(d => d.UserId).Distinct().Count(), "operator")} of {PagingService.Plural(validators.Count, "pending validator")} "
            + $"about hotfix {release.Version}: {string.Join(", ", validators.Take(20))}{(validators.Count > 20 ? $" and {validators.Count - 20} more" : "")}.");
        return due.Count;
    }

    private async Task<int> EscalateAsync(IncidentChange change, CancellationToken cancellationToken)
    {
        var incidentId = change.Incident.Id;
        if (change.Incident.Status == IncidentStatus.Closed)
        {
            return 0;
        }

        var cutoff = change.Now - options.Timings.EscalateAfter;
        var open = await db.Pages.Where(p => p.IncidentId == incidentId && p.AnsweredAt == null && p.EscalatedAt == null && p.PagedAt <= cutoff).ToListAsync(cancellationToken);
        var escalated = 0;
        foreach (var page in open.Where(p => PagingPolicy.EscalationDue(new OpenPage(p.Id, p.PagedAt, p.AnsweredAt, p.EscalatedAt), change.Now, options.Timings)))
        {
            var validator = await db.Validators.AsNoTracking().SingleAsync(v => v.Id == page.ValidatorId, cancellationToken);
            var operators = await db.OperatorBindings.AsNoTracking().Where(b => b.ValidatorId == page.ValidatorId).Select(b => b.UserId).ToListAsync(cancellationToken);
            var contacts = await db.SecondaryContacts.AsNoTracking()
                .Where(c => c.ValidatorId == page.ValidatorId || (c.UserId != null && operators.Contains(c.UserId.Value)))
                .Select(c => c.ContactUserId).Distinct().ToListAsync(cancellationToken);
            var people = contacts.Where(c => !operators.Contains(c)).ToList();
            if (page.PagedBy is { } commander && !people.Contains(commander))
            {
                people.Add(commander);
            }

            var settings = await recipients.SettingsAsync(people, cancellationToken);
            var userNames = await db.Users.AsNoTracking().Where(u => people.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.UserName ?? "?", cancellationToken);
            var minutes = (int)options.Timings.EscalateAfter.TotalMinutes;
            var subject = $"Escalation: {validator.Name} has not answered a page for {PagingService.Plural(minutes, "minute")}";
            var text = $"{page.PagedByName} paged the operators of {validator.Name} ({validator.Key}) in \"{change.Incident.Title}\" at {page.PagedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC"
                + $"{(page.Message is null ? "" : $" (\"{page.Message}\")")} and nobody has reported since. You are listed as a secondary contact or are the commander who paged.\n\n{links.Incident(incidentId)}\n";
            var trigger = new PagerDutyEvent("", PagerDutyAction.Trigger, PagerDutySender.DedupKey(incidentId, validator.Key), subject, links.Incident(incidentId));
            var notices = settings.Values.SelectMany(s => recipients.For(s, subject, text, trigger))
                .Select(n => n with { EventType = n.Channel == ChannelNames.PagerDuty ? n.EventType : PagingKinds.EscalationEvent, IncidentId = incidentId })
                .ToList();
            await outbox.EnqueueAsync(db, notices, cancellationToken);
            page.EscalatedAt = change.Now;

            var contactNames = contacts.Where(people.Contains).Select(c => userNames.GetValueOrDefault(c, "?")).Order(StringComparer.Ordinal).ToList();
            var whom = new List<string>();
            if (contactNames.Count > 0)
            {
                whom.Add($"secondary contact{(contactNames.Count == 1 ? "" : "s")} {string.Join(", ", contactNames)}");
            }

            if (page.PagedBy is { } by)
            {
                whom.Add($"the commander {userNames.GetValueOrDefault(by, page.PagedByName)}");
            }

            change.Record(PagingKinds.Escalated,
                $"The page to {validator.Name} sent at {page.PagedAt.UtcDateTime:HH:mm} UTC was not answered in {PagingService.Plural(minutes, "minute")}; escalated to {(whom.Count == 0 ? "nobody (no secondary contact set up)" : string.Join(" and ", whom))}"
                + $"{(notices.Count == 0 ? ", none of whom has a channel set up" : $" by {string.Join(", ", notices.Select(n => n.Channel).Distinct().Order(StringComparer.Ordinal))}")}.");
            escalated++;
        }

        return escalated;
    }

    /// <summary>The wall-clock time of day in <paramref name="timeZone"/> (IANA); UTC when the zone is unknown here.</summary>
    internal static TimeOnly LocalTime(string timeZone, DateTimeOffset now) =>
        TimeOnly.FromDateTime((TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone) ? TimeZoneInfo.ConvertTime(now, zone) : now.ToUniversalTime()).DateTime);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reminders and escalation failed for incident {IncidentId}")]
    private partial void LogSweepFailed(Exception exception, Guid incidentId);
}

/// <summary>Runs <see cref="PagingSweeper"/> every <c>Portal:Paging:SweepSeconds</c> on the portal's clock.</summary>
public sealed partial class PagingSweep(IServiceScopeFactory scopes, PagingOptions options, TimeProvider clock, ILogger<PagingSweep> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.SweepEnabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.SweepSeconds)), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<PagingSweeper>().SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The database may be away for a moment; the next tick tries again.
                LogSweepFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reminder and escalation sweep failed; retrying on the next tick")]
    private partial void LogSweepFailed(Exception exception);
}
