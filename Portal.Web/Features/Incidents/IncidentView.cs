using System.Globalization;
using System.Numerics;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;

namespace Portal.Web.Features.Incidents;

/// <summary>One validator as the incident page shows it.</summary>
public sealed record ValidatorLine(
    Guid ValidatorId, string Key, string Name, string? TimeZone, string? Contact, Stake Stake, ValidatorState State,
    string? Version, string? Note, DateTimeOffset UpdatedAt, string? UpdatedBy)
{
    /// <summary>The validator's wall-clock time now, or null without a (known) time zone.</summary>
    public string? LocalTime(DateTimeOffset now) =>
        TimeZone is not null && TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var zone)
            ? TimeZoneInfo.ConvertTime(now, zone).ToString("ddd HH:mm", CultureInfo.InvariantCulture)
            : null;

    /// <summary>Share of the total in hundredths of a percent, by integer division (display only).</summary>
    public string ShareOf(BigInteger total) => Percent(Stake.Value, total);

    public static string Percent(BigInteger part, BigInteger total)
    {
        if (total.IsZero)
        {
            return "0.00%";
        }

        var basisPoints = part * 10_000 / total;
        return $"{basisPoints / 100}.{(int)(basisPoints % 100):00}%";
    }
}

/// <summary>Everything the incident page renders, read in one go.</summary>
public sealed record IncidentView(
    Incident Incident,
    Network Network,
    IReadOnlyList<ValidatorLine> Validators,
    QuorumEvaluation Quorum,
    IReadOnlyList<ValidatorLine> ClosingSet,
    Release? CurrentRelease,
    IReadOnlyList<Release> Releases,
    IReadOnlyList<TimelineEvent> Timeline,
    IReadOnlyList<Snapshot> Snapshots,
    DateTimeOffset Now,
    bool Public = false)
{
    /// <summary>A drill: every rendering (header, public page, feed, badge, notifications) marks it DRILL.</summary>
    public bool IsDrill => Incident.IsDrill;

    /// <summary>Validators seen voting on chain at the stuck height (empty when the chain is not watched).</summary>
    public IReadOnlySet<Guid> SeenVoting { get; init; } = new HashSet<Guid>();

    /// <summary>Their weight, by the rule's weighting, for the quorum panel beside the reported-ready weight.</summary>
    public BigInteger SeenVotingWeight { get; init; }

    /// <summary>
    /// What an anonymous watcher may see: no contacts, no status notes, no portal user names, and only snapshots
    /// that were published (a revoked one stays, with its reason, for those who downloaded it). Pages,
    /// fragments, hub messages and the public JSON for anonymous watchers are all rendered from this.
    /// </summary>
    public IncidentView ForPublic() => Public ? this : this with
    {
        Public = true,
        Validators = [.. Validators.Select(PublicLine)],
        ClosingSet = [.. ClosingSet.Select(PublicLine)],
        Snapshots = [.. Snapshots.Where(s => s.Status is SnapshotStatus.Published or SnapshotStatus.Revoked)],
    };

    private static ValidatorLine PublicLine(ValidatorLine line) => line with { Contact = null, Note = null, UpdatedBy = null };
}

/// <summary>The timeline as anonymous watchers see it: no actor (a portal user name) and no validator's status note.</summary>
public static class PublicTimeline
{
    /// <summary>
    /// Status reports read "{validator}: {from} → {to}[, running {version}][ — {note}]."
    /// (<see cref="IncidentService.Describe"/>); the note is cut.
    /// </summary>
    public static string Summary(TimelineEvent entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Kind != TimelineKinds.ValidatorStatus)
        {
            return entry.Summary;
        }

        var arrow = entry.Summary.IndexOf(" → ", StringComparison.Ordinal);
        var note = arrow < 0 ? -1 : entry.Summary.IndexOf(" — ", arrow, StringComparison.Ordinal);
        return note < 0 ? entry.Summary : entry.Summary[..note] + ".";
    }
}

public sealed class IncidentReader(PortalDbContext db, TimeProvider clock)
{
    /// <summary>The incident page shows (and live updates send) the latest entries; the rest is on the timeline page.</summary>
    public const int TimelineShown = 10;

    /// <summary>Only what the quorum document needs: the frozen stakes and states, not names, releases or timeline.</summary>
    public async Task<QuorumDocument?> QuorumAsync(Guid incidentId, CancellationToken cancellationToken = default)
    {
        var incident = await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Id == incidentId, cancellationToken);
        if (incident is null)
        {
            return null;
        }

        var rule = await db.Networks.AsNoTracking().Where(n => n.Id == incident.NetworkId).Select(n => n.Quorum).SingleAsync(cancellationToken);
        return QuorumDocument.From(incident, Quorum.FromTotals(rule, await IncidentWrites.QuorumTotalsAsync(db, incidentId, cancellationToken)));
    }

    public async Task<IncidentView?> LoadAsync(Guid incidentId, CancellationToken cancellationToken = default)
    {
        var incident = await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Id == incidentId, cancellationToken);
        if (incident is null)
        {
            return null;
        }

        var network = await db.Networks.AsNoTracking().SingleAsync(n => n.Id == incident.NetworkId, cancellationToken);

        // One projected join rather than two entity sets: this read runs on every broadcast, for every validator.
        var lines = (await db.IncidentValidators.AsNoTracking()
                .Where(iv => iv.IncidentId == incidentId)
                .Join(db.Validators, iv => iv.ValidatorId, v => v.Id, (iv, v) => new ValidatorLine(
                    iv.ValidatorId, v.Key, v.Name, v.TimeZone, v.Contact, iv.Stake, iv.State, iv.Version, iv.Note, iv.UpdatedAt, iv.UpdatedBy))
                .ToListAsync(cancellationToken))
            .OrderByDescending(l => l.Stake)
            .ThenBy(l => l.Name, StringComparer.OrdinalIgnoreCase)
            .ToList();

        var quorum = Quorum.Evaluate(network.Quorum, [.. lines.Select(l => new QuorumVoter(l.ValidatorId.ToString("N"), l.Stake, l.State))]);
        var byId = lines.ToDictionary(l => l.ValidatorId.ToString("N"));
        var closing = quorum.SmallestClosingSet.Select(v => byId[v.Key]).ToList();

        var releases = await db.Releases.AsNoTracking().Where(r => r.IncidentId == incidentId).OrderByDescending(r => r.CreatedAt).ToListAsync(cancellationToken);
        var timeline = await db.TimelineEvents.AsNoTracking()
            .Where(e => e.IncidentId == incidentId)
            .OrderByDescending(e => e.Id)
            .Take(TimelineShown)
            .ToListAsync(cancellationToken);
        timeline.Reverse();

        // Watchers see published snapshots and those on their way; drafts still uploading are the core devs' business.
        var snapshots = await db.Snapshots.AsNoTracking()
            .Where(s => s.IncidentId == incidentId && s.Status != SnapshotStatus.Uploading)
            .OrderByDescending(s => s.CreatedAt)
            .ToListAsync(cancellationToken);

        var seen = await Chain.ChainReader.SeenVotingAsync(db, incidentId, cancellationToken);
        return new IncidentView(incident, network, lines, quorum, closing, CurrentRelease(releases), releases, timeline, snapshots, clock.GetUtcNow())
        {
            SeenVoting = seen,
            SeenVotingWeight = Quorum.WeightOf(network.Quorum, lines.Where(l => seen.Contains(l.ValidatorId)).Select(l => new QuorumVoter(l.ValidatorId.ToString("N"), l.Stake, l.State))),
        };
    }

    /// <summary>The release validators must run: the newest published one.</summary>
    public static Release? CurrentRelease(IEnumerable<Release> releases) =>
        releases.Where(r => r.Status == ReleaseStatus.Published).MaxBy(r => r.PublishedAt);
}
