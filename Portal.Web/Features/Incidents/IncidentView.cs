using System.Globalization;
using System.Numerics;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;

namespace Portal.Web.Features.Incidents;

/// <summary>One validator as the incident page shows it.</summary>
public sealed record ValidatorLine(
    Guid ValidatorId, string Key, string Name, string? TimeZone, string? Contact, Stake Stake, ValidatorState State,
    string? Version, string? Note, DateTimeOffset UpdatedAt, string? UpdatedBy, int WakeFromMinute = 480, int WakeUntilMinute = 1320)
{
    /// <summary>When the operator can be expected to answer, in the validator's time zone.</summary>
    public WakingWindow WakingWindow => WakingWindow.Create(WakeFromMinute, WakeUntilMinute);

    /// <summary>The validator's wall-clock time now, or null without a (known) time zone.</summary>
    public string? LocalTime(DateTimeOffset now) =>
        TimeZone is not null && TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var zone)
            ? TimeZoneInfo.ConvertTime(now, zone).ToString("ddd HH:mm", CultureInfo.InvariantCulture)
            : null;

    /// <summary>
    /// Share of the total in hundredths of a percent, by integer division (display only). Pages read it through
    /// <see cref="IncidentView.Shares"/>, computed once per view.
    /// </summary>
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

    /// <summary>The percentages to show, computed once for this view's quorum (and shared with its public copy).</summary>
    public DisplayShares Shares => DisplayShares.Of(Quorum);

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

/// <summary>
/// Reads incidents for pages, the API and the hub. <see cref="LoadAsync"/> answers from this instance's
/// projection (<see cref="Live.IncidentProjections"/>) once it has caught up with the incident's revision;
/// <see cref="ReadAsync"/> is the one full read from the database, which the projection starts from.
/// </summary>
public sealed class IncidentReader(PortalDbContext db, TimeProvider clock, Live.IncidentProjections projections)
{
    /// <summary>The incident page shows (and live updates send) the latest entries; the rest is on the timeline page.</summary>
    public const int TimelineShown = 10;

    /// <summary>The quorum document, from the same projection as everything else the incident shows.</summary>
    public async Task<QuorumDocument?> QuorumAsync(Guid incidentId, CancellationToken cancellationToken = default) =>
        await LoadAsync(incidentId, cancellationToken) is { } view ? QuorumDocument.From(view.Incident, view.Quorum) : null;

    /// <summary>The incident as of its current revision (one query when the projection is current).</summary>
    public async Task<IncidentView?> LoadAsync(Guid incidentId, CancellationToken cancellationToken = default) =>
        await projections.CurrentAsync(db, incidentId, cancellationToken) is { } view ? view with { Now = clock.GetUtcNow() } : null;

    /// <summary>Everything the incident shows, read from the database in one snapshot.</summary>
    public static async Task<IncidentView?> ReadAsync(PortalDbContext db, Guid incidentId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var incident = await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Id == incidentId, cancellationToken);
        if (incident is null)
        {
            return null;
        }

        var lines = await LinesAsync(db, incidentId, null, cancellationToken);
        var releases = await ReleasesAsync(db, incidentId, cancellationToken);
        var snapshots = await SnapshotsAsync(db, incidentId, cancellationToken);
        return await ComposeAsync(db, incident, lines, releases, snapshots, now, cancellationToken);
    }

    /// <summary>
    /// The incident row, network, timeline and chain marks (a few small reads) around the given lines, releases
    /// and snapshots: quorum, the closing set and the order of rows are derived here, for full reads and the
    /// projection's partial ones alike.
    /// </summary>
    internal static async Task<IncidentView> ComposeAsync(
        PortalDbContext db, Incident incident, IReadOnlyList<ValidatorLine> lines, IReadOnlyList<Release> releases, IReadOnlyList<Snapshot> snapshots,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var network = await db.Networks.AsNoTracking().SingleAsync(n => n.Id == incident.NetworkId, cancellationToken);
        var ordered = lines.OrderByDescending(l => l.Stake).ThenBy(l => l.Name, StringComparer.OrdinalIgnoreCase).ThenBy(l => l.Key, StringComparer.Ordinal).ToList();
        var quorum = Quorum.Evaluate(network.Quorum, [.. ordered.Select(l => new QuorumVoter(l.ValidatorId.ToString("N"), l.Stake, l.State))]);
        var byId = ordered.ToDictionary(l => l.ValidatorId.ToString("N"));
        var closing = quorum.SmallestClosingSet.Select(v => byId[v.Key]).ToList();

        var timeline = await db.TimelineEvents.AsNoTracking()
            .Where(e => e.IncidentId == incident.Id)
            .OrderByDescending(e => e.Id)
            .Take(TimelineShown)
            .ToListAsync(cancellationToken);
        timeline.Reverse();

        var seen = await Chain.ChainReader.SeenVotingAsync(db, incident.Id, cancellationToken);
        return new IncidentView(incident, network, ordered, quorum, closing, CurrentRelease(releases), releases, timeline, snapshots, now)
        {
            SeenVoting = seen,
            SeenVotingWeight = Quorum.WeightOf(network.Quorum, ordered.Where(l => seen.Contains(l.ValidatorId)).Select(l => new QuorumVoter(l.ValidatorId.ToString("N"), l.Stake, l.State))),
        };
    }

    /// <summary>The incident's validator lines: all of them, or only <paramref name="only"/> (a change's rows).</summary>
    internal static async Task<List<ValidatorLine>> LinesAsync(PortalDbContext db, Guid incidentId, IReadOnlyCollection<Guid>? only, CancellationToken cancellationToken)
    {
        var rows = db.IncidentValidators.AsNoTracking().Where(iv => iv.IncidentId == incidentId);
        if (only is not null)
        {
            rows = rows.Where(iv => only.Contains(iv.ValidatorId));
        }

        // One projected join rather than two entity sets.
        return await rows
            .Join(db.Validators, iv => iv.ValidatorId, v => v.Id, (iv, v) => new ValidatorLine(
                iv.ValidatorId, v.Key, v.Name, v.TimeZone, v.Contact, iv.Stake, iv.State, iv.Version, iv.Note, iv.UpdatedAt, iv.UpdatedBy, v.WakeFromMinute, v.WakeUntilMinute))
            .ToListAsync(cancellationToken);
    }

    internal static async Task<List<Release>> ReleasesAsync(PortalDbContext db, Guid incidentId, CancellationToken cancellationToken) =>
        await db.Releases.AsNoTracking().Where(r => r.IncidentId == incidentId).OrderByDescending(r => r.CreatedAt).ToListAsync(cancellationToken);

    // Watchers see published snapshots and those on their way; drafts still uploading are the core devs' business.
    internal static async Task<List<Snapshot>> SnapshotsAsync(PortalDbContext db, Guid incidentId, CancellationToken cancellationToken) =>
        await db.Snapshots.AsNoTracking()
            .Where(s => s.IncidentId == incidentId && s.Status != SnapshotStatus.Uploading)
            .OrderByDescending(s => s.CreatedAt)
            .ToListAsync(cancellationToken);

    /// <summary>The release validators must run: the newest published one.</summary>
    public static Release? CurrentRelease(IEnumerable<Release> releases) =>
        releases.Where(r => r.Status == ReleaseStatus.Published).MaxBy(r => r.PublishedAt);
}
