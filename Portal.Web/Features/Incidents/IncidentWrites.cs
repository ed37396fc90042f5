using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;

namespace Portal.Web.Features.Incidents;

/// <summary>Thrown when an incident (or a validator in it) does not exist; the API maps it to 404.</summary>
public sealed class NotFoundException(string message) : Exception(message);

/// <summary>
/// The one way an incident changes. Each change runs in a transaction that first locks the incident's row, so
/// reports for one incident apply one at a time (revision and hash chain stay linear) while other incidents
/// proceed in parallel. Before commit it brings the status in line with quorum, appends the timeline entries,
/// and queues a <c>pg_notify</c>, which PostgreSQL delivers to every portal instance only if the commit succeeds.
/// Each appended entry also moves the timeline's sealed anchor on the incident row, in the same transaction.
/// </summary>
public sealed partial class IncidentWrites(PortalDbContext db, TimeProvider clock, TimelineKey key, Notifications.NotificationFanOut fanOut, ILogger<IncidentWrites> logger, Paging.PagingHooks paging)
{
    public const string Channel = "incident_changes";

    public async Task<T> ChangeAsync<T>(Guid incidentId, string actor, Func<IncidentChange, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await db.Database
            .SqlQuery<Guid>($"SELECT id AS \"Value\" FROM incidents WHERE id = {incidentId} FOR UPDATE")
            .ToListAsync(cancellationToken);
        if (locked.Count == 0)
        {
            throw new NotFoundException($"No incident {incidentId}.");
        }

        // The incident row only: a report touches one validator, so validators are loaded by the changes that
        // need them (IncidentChange.LoadValidatorsAsync / LoadValidatorAsync), not 2,000 rows per report.
        var incident = await db.Incidents.SingleAsync(i => i.Id == incidentId, cancellationToken);
        var statusBefore = incident.Status;
        var network = await db.Networks.AsNoTracking().SingleAsync(n => n.Id == incident.NetworkId, cancellationToken);
        var lastHash = await db.TimelineEvents.Where(e => e.IncidentId == incidentId).OrderByDescending(e => e.Id).Select(e => e.Hash).FirstOrDefaultAsync(cancellationToken);

        var (count, preface) = await CheckAnchorAsync(incident, lastHash, cancellationToken);
        var change = new IncidentChange(incident, network, actor, clock.GetUtcNow(), lastHash, count, preface, key, db);
        var result = await work(change);
        if (db.ChangeTracker.HasChanges())
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        if (change.HasEntries)
        {
            if (change.SyncQuorum(await QuorumTotalsAsync(db, incidentId, cancellationToken)))
            {
                await db.SaveChangesAsync(cancellationToken);
            }

            await paging.AfterChangeAsync(change, statusBefore, cancellationToken);
            await NotifyAsync(db, change.Notification(), cancellationToken);
        }

        // Notifications the change raised go to the outbox in this transaction: sent only if it commits.
        if (await fanOut.EnqueueAsync(db, change.Raised, cancellationToken) > 0)
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// Checks the anchor against the newest entry before extending it: extending a tampered anchor would seal
    /// the tampering. A mismatch does not stop the change (the halt goes on); the first entry the change appends
    /// is then a record of what was found, inside the sealed chain, so the integrity page keeps showing it.
    /// Returns the number of entries to continue counting from, and that preface (null when all is well).
    /// </summary>
    private async Task<(long Count, (string Kind, string Summary)? Preface)> CheckAnchorAsync(Incident incident, string? lastHash, CancellationToken cancellationToken)
    {
        var anchor = incident.Anchor;
        var head = lastHash ?? TimelineEvent.Genesis;
        if (anchor.Head == head && (anchor.IsSealedBy(key.Bytes, incident.Id) || anchor == TimelineAnchor.Empty))
        {
            return (anchor.Count, null);
        }

        // Rare: only a timeline from before anchoring, or one changed outside the portal, gets here.
        var entries = await db.TimelineEvents.LongCountAsync(e => e.IncidentId == incident.Id, cancellationToken);
        if (anchor.Seal is null && anchor.Head == head && anchor.Count == entries)
        {
            return (entries, (TimelineKinds.Anchored,
                $"Timeline anchored at {entries} entries: from here on, deleted or re-hashed entries show against the sealed anchor; the earlier ones were checked by their hash chain only."));
        }

        var finding = $"Integrity: the timeline's anchor ({anchor.Count} entries ending {Short(anchor.Head)}, {(anchor.Seal is null ? "no seal" : anchor.IsSealedBy(key.Bytes, incident.Id) ? "sealed" : "a seal that does not verify")}) "
            + $"does not match the table ({entries} entries ending {Short(head)}): entries were removed, added or rewritten outside the portal. The chain continues from the table.";
        LogAnchorMismatch(incident.Id, finding);
        return (entries, (TimelineKinds.AnchorMismatch, finding));
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;

    [LoggerMessage(Level = LogLevel.Error, Message = "Timeline of incident {IncidentId} was changed outside the portal: {Finding}")]
    private partial void LogAnchorMismatch(Guid incidentId, string finding);

    /// <summary>
    /// Raises the notification every instance's listener turns into a broadcast. Inside a transaction it is
    /// delivered only if that transaction commits; outside one (verification progress) at once.
    /// </summary>
    public static async Task NotifyAsync(PortalDbContext db, IncidentChanged change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var payload = JsonSerializer.Serialize(change, JsonSerializerOptions.Web);
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify({Channel}, {payload})", cancellationToken);
    }

    /// <summary>Per-state counts and exact stake sums, read inside the change's transaction so they include it.</summary>
    public static async Task<IReadOnlyList<StateTotal>> QuorumTotalsAsync(PortalDbContext db, Guid incidentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.Database.SqlQuery<StateTotalRow>($"""
            SELECT state AS "State", count(*)::int AS "Count", coalesce(sum(stake), 0) AS "Stake"
            FROM incident_validators WHERE incident_id = {incidentId} GROUP BY state
            """).ToListAsync(cancellationToken);
        return [.. rows.Select(r => new StateTotal(Enum.Parse<ValidatorState>(r.State), r.Count, r.Stake))];
    }

    /// <summary>A new incident: written with its first timeline entry, and announced like any change.</summary>
    public Task<Incident> DeclareAsync(Network network, string title, BlockHeight haltHeight, string? summary, string actor, CancellationToken cancellationToken = default) =>
        DeclareAsync(network, title, haltHeight, summary, actor, drill: false, cancellationToken);

    public async Task<Incident> DeclareAsync(Network network, string title, BlockHeight haltHeight, string? summary, string actor, bool drill, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var incident = Incident.Declare(network, title, haltHeight, summary, now, drill);
        db.Incidents.Add(incident);
        var first = TimelineEvent.Append(incident.Id, null, TimelineKinds.Declared, actor,
            $"Declared: {incident.Title}, halted at block {haltHeight}.", now);
        db.TimelineEvents.Add(first);
        incident.AnchorTimeline(TimelineAnchor.Create(key.Bytes, incident.Id, 1, first.Hash));
        await paging.DeclaredAsync(incident, network, cancellationToken);
        await fanOut.EnqueueAsync(db, [Notifications.NotificationEvents.Declared(incident, network, now)], cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return incident;
    }
}

/// <summary>One row of the per-state totals query; stake sums arrive as exact numerics.</summary>
internal sealed record StateTotalRow(string State, int Count, System.Numerics.BigInteger Stake);

/// <summary>Parts of the incident page that only some changes touch; the rest are sent with every change.</summary>
[Flags]
public enum ChangedParts
{
    None = 0,
    Release = 1,
    Snapshots = 2,
}

/// <summary>What travels over LISTEN/NOTIFY: which incident, its new revision, which rows and parts changed.</summary>
public sealed record IncidentChanged(Guid IncidentId, long Revision, IReadOnlyList<Guid> Validators, bool AllValidators, ChangedParts Parts = ChangedParts.None);

/// <summary>The state a change works on, and the timeline entries it adds.</summary>
public sealed class IncidentChange
{
    /// <summary>Past this many changed rows the notification says "all": NOTIFY payloads are capped at 8000 bytes.</summary>
    private const int MaxListedValidators = 100;

    private readonly PortalDbContext _db;
    private readonly HashSet<Guid> _changedValidators = [];
    private readonly TimelineKey _key;
    private string? _lastHash;
    private long _count;
    private (string Kind, string Summary)? _preface;
    private bool _allValidators;
    private ChangedParts _parts;
    private readonly List<Notifications.Notification> _raised = [];

    internal IncidentChange(Incident incident, Network network, string actor, DateTimeOffset now, string? lastHash, long count,
        (string Kind, string Summary)? preface, TimelineKey key, PortalDbContext db)
    {
        _count = count;
        _preface = preface;
        _key = key;
        Incident = incident;
        Network = network;
        Actor = actor;
        Now = now;
        _lastHash = lastHash;
        _db = db;
    }

    public Incident Incident { get; }
    public Network Network { get; }
    public string Actor { get; }
    public DateTimeOffset Now { get; }
    public bool HasEntries { get; private set; }
    public PortalDbContext Db => _db;

    public void Record(string kind, string summary, string? actor = null)
    {
        if (_preface is { } preface)
        {
            _preface = null;
            Append(preface.Kind, preface.Summary, "portal");
        }

        Append(kind, summary, actor ?? Actor);
        HasEntries = true;
    }

    private void Append(string kind, string summary, string actor)
    {
        var entry = TimelineEvent.Append(Incident.Id, _lastHash, kind, actor, summary, Now);
        _db.TimelineEvents.Add(entry);
        _lastHash = entry.Hash;
        _count++;
        Incident.AnchorTimeline(TimelineAnchor.Create(_key.Bytes, Incident.Id, _count, entry.Hash));
    }

    /// <summary>Notifications this change causes; written to the outbox in its transaction (see Notifications/Outbox.cs).</summary>
    public IReadOnlyList<Notifications.Notification> Raised => _raised;

    public void Raise(Notifications.Notification notification) => _raised.Add(notification);

    public void ValidatorChanged(Guid validatorId) => _changedValidators.Add(validatorId);

    public void AllValidatorsChanged() => _allValidators = true;

    public void PartChanged(ChangedParts part) => _parts |= part;

    /// <summary>Loads the whole frozen set, for changes that act on every validator (import, superseding release).</summary>
    public async Task LoadValidatorsAsync(CancellationToken cancellationToken = default) =>
        await _db.Entry(Incident).Collection(i => i.Validators).LoadAsync(cancellationToken);

    /// <summary>Loads these validators of the set into the incident in one query, for a batch of reports on them.</summary>
    public async Task LoadValidatorsAsync(IReadOnlyCollection<Guid> validatorIds, CancellationToken cancellationToken = default) =>
        await _db.Entry(Incident).Collection(i => i.Validators).Query().Where(v => validatorIds.Contains(v.ValidatorId)).LoadAsync(cancellationToken);

    /// <summary>Loads one validator of the set into the incident, for a report on it.</summary>
    public async Task LoadValidatorAsync(Guid validatorId, CancellationToken cancellationToken = default) =>
        await _db.Entry(Incident).Collection(i => i.Validators).Query().Where(v => v.ValidatorId == validatorId).LoadAsync(cancellationToken);

    internal bool SyncQuorum(IReadOnlyList<StateTotal> totals)
    {
        var quorum = Quorum.FromTotals(Network.Quorum, totals);
        var moved = Incident.SyncWithQuorum(quorum, Now);
        if (moved is not null)
        {
            Record(moved.Value.To == IncidentStatus.QuorumReached ? TimelineKinds.QuorumReached : TimelineKinds.QuorumLost,
                moved.Value.To == IncidentStatus.QuorumReached
                    ? $"Quorum reached: {quorum.Counts.Ready} of {quorum.Counts.Total} validators ready ({Network.Quorum})."
                    : $"Quorum lost: only {quorum.Counts.Ready} of {quorum.Counts.Total} validators ready; back to coordinating.",
                "portal");
            Raise(Notifications.NotificationEvents.Quorum(this, quorum, moved.Value.To == IncidentStatus.QuorumReached));
        }

        return moved is not null;
    }

    internal IncidentChanged Notification()
    {
        var all = _allValidators || _changedValidators.Count > MaxListedValidators;
        return new IncidentChanged(Incident.Id, Incident.Revision, all ? [] : [.. _changedValidators], all, _parts);
    }
}
