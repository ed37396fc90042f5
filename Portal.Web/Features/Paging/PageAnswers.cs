using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Paging;

/// <summary>
/// What paging adds to changes made elsewhere, inside their transaction: a validator's report answers its open
/// pages (timeline, PagerDuty <c>acknowledge</c>), as an <see cref="IStatusReportObserver"/> of the status report
/// lane; quorum reached or the incident closed resolves the incident's PagerDuty alerts; a declared incident
/// triggers one on the commanders' service.
/// </summary>
public sealed class PagingHooks(PortalDbContext db, INoticeOutbox outbox, PagerDutyOptions pagerDuty, Recipients recipients, PortalLinks links) : IStatusReportObserver
{
    /// <summary>Applied reports answer their validators' open pages.</summary>
    public Task AfterApplyAsync(IncidentChange change, IReadOnlyList<ReportCommand> applied, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(applied);
        return AnswerAsync(change, [.. applied.Select(c => c.ValidatorId).Distinct()], cancellationToken);
    }

    /// <summary>Marks the open pages of <paramref name="reported"/> (validators whose state just changed) answered.</summary>
    public async Task AnswerAsync(IncidentChange change, IReadOnlyCollection<Guid> reported, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (reported.Count == 0)
        {
            return;
        }

        var incidentId = change.Incident.Id;
        var open = await db.Pages.Where(p => p.IncidentId == incidentId && p.AnsweredAt == null && reported.Contains(p.ValidatorId)).ToListAsync(cancellationToken);
        if (open.Count == 0)
        {
            return;
        }

        var validatorIds = open.Select(p => p.ValidatorId).Distinct().ToList();
        var validators = await db.Validators.AsNoTracking().Where(v => validatorIds.Contains(v.Id)).ToDictionaryAsync(v => v.Id, cancellationToken);
        var notices = new List<Notice>();
        foreach (var group in open.GroupBy(p => p.ValidatorId))
        {
            var validator = validators[group.Key];
            var state = change.Incident.Validators.FirstOrDefault(v => v.ValidatorId == group.Key)?.State;
            var first = group.MinBy(p => p.PagedAt)!;
            foreach (var page in group)
            {
                page.AnsweredAt = change.Now;
            }

            var minutes = (int)Math.Floor((change.Now - first.PagedAt).TotalMinutes);
            change.Record(PagingKinds.Answered,
                $"{validator.Name} answered the page sent by {first.PagedByName} at {first.PagedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC, {PagingService.Plural(minutes, "minute")} later{(state is { } s ? $" (now {ValidatorTransitions.Name(s)})" : "")}.",
                "portal");
            notices.AddRange(await PagerDutyAsync(group.Key, PagerDutyAction.Acknowledge, PagerDutySender.DedupKey(incidentId, validator.Key), cancellationToken));
        }

        await outbox.EnqueueAsync(db, notices, cancellationToken);
    }

    /// <summary>Quorum reached or incident closed (in this change): every PagerDuty alert of the incident is resolved.</summary>
    public async Task AfterChangeAsync(IncidentChange change, IncidentStatus before, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var now = change.Incident.Status;
        if (now == before || now is not (IncidentStatus.QuorumReached or IncidentStatus.Closed))
        {
            return;
        }

        var incidentId = change.Incident.Id;
        var paged = await db.Pages.AsNoTracking().Where(p => p.IncidentId == incidentId).Select(p => p.ValidatorId).Distinct()
            .Join(db.Validators, id => id, v => v.Id, (id, v) => new { v.Id, v.Key })
            .ToListAsync(cancellationToken);
        var notices = new List<Notice>();
        foreach (var validator in paged.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            notices.AddRange(await PagerDutyAsync(validator.Id, PagerDutyAction.Resolve, PagerDutySender.DedupKey(incidentId, validator.Key), cancellationToken));
        }

        if (pagerDuty.RoutingKey is { Length: > 0 } commanders)
        {
            notices.Add(new Notice(ChannelNames.PagerDuty, null, commanders, "resolve", "", new PagerDutyEvent(commanders, PagerDutyAction.Resolve, PagerDutySender.DedupKey(incidentId, null))));
        }

        if (notices.Count > 0)
        {
            await outbox.EnqueueAsync(db, notices, cancellationToken);
            if (db.ChangeTracker.HasChanges())
            {
                await db.SaveChangesAsync(cancellationToken);
            }
        }
    }

    /// <summary>A new incident triggers an alert on the commanders' service (dedup key of the incident alone).</summary>
    public async Task DeclaredAsync(Incident incident, Network network, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(network);
        if (pagerDuty.RoutingKey is not { Length: > 0 } commanders)
        {
            return;
        }

        var summary = $"Incident declared on {network.Name}: {incident.Title} (halted at block {incident.HaltHeight})";
        await outbox.EnqueueAsync(db, [new Notice(ChannelNames.PagerDuty, null, commanders, summary, summary,
            new PagerDutyEvent(commanders, PagerDutyAction.Trigger, PagerDutySender.DedupKey(incident.Id, null), summary, links.Incident(incident.Id)))
            {
                EventType = Notifications.NotificationEvents.IncidentDeclared,
                IncidentId = incident.Id,
            }], cancellationToken);
    }

    /// <summary>The event for the commanders' service and for each bound operator's own service.</summary>
    private async Task<IEnumerable<Notice>> PagerDutyAsync(Guid validatorId, PagerDutyAction action, string dedupKey, CancellationToken cancellationToken)
    {
        var operators = await db.OperatorBindings.AsNoTracking().Where(b => b.ValidatorId == validatorId).Select(b => b.UserId).ToListAsync(cancellationToken);
        var keys = (await recipients.SettingsAsync(operators, cancellationToken)).Values
            .Where(s => s.PagerDutyRoutingKey is not null)
            .Select(s => (User: (Guid?)s.UserId, Key: s.PagerDutyRoutingKey!))
            .ToList();
        if (pagerDuty.RoutingKey is { Length: > 0 } commanders)
        {
            keys.Insert(0, (null, commanders));
        }

        var name = action == PagerDutyAction.Acknowledge ? "acknowledge" : "resolve";
        return keys.Select(k => new Notice(ChannelNames.PagerDuty, k.User, k.Key, name, "", new PagerDutyEvent(k.Key, action, dedupKey)));
    }
}
