using System.Collections.Concurrent;
using System.Data;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Live;

/// <summary>
/// One projection per incident on this instance: the <see cref="IncidentView"/> that pages, the API's quorum
/// document, the hub, fragments and circuits all read, kept in memory and advanced by the change notices
/// (LISTEN/NOTIFY) by reading only the rows a notice names, plus the incident row, timeline head and chain
/// marks. Quorum and the closing set are derived from it by <see cref="Portal.Domain.Quorum.Evaluate"/> only.
/// <para>
/// Each projection records the highest notice revision it has taken in (<c>Covered</c>): a reader compares it
/// with the incident's revision in the database (one query) and reads in full when a notice has not arrived
/// yet, so what a client reads right after its own write includes it. While the listening connection is down
/// nothing is trusted (notices could be missed); when it is back every projection is read afresh and
/// re-broadcast, so watchers catch up by revision.
/// </para>
/// </summary>
public sealed partial class IncidentProjections(IServiceScopeFactory scopes, TimeProvider clock, ILogger<IncidentProjections> logger)
{
    private sealed record Entry(IncidentView View, long Covered, long Generation);

    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    private long _generation;
    private volatile bool _listening;

    /// <summary>Incidents with a projection here (the ones to re-broadcast after a reconnect).</summary>
    public IReadOnlyCollection<Guid> Known => [.. _entries.Keys];

    /// <summary>The projection as it stands, if trusted (for tests and diagnostics), without asking the database.</summary>
    public IncidentView? Peek(Guid incidentId) => Trusted(incidentId) is { } entry ? entry.View : null;

    /// <summary>The highest revision the projection has taken in, or null when there is none to trust.</summary>
    public long? Covered(Guid incidentId) => Trusted(incidentId)?.Covered;

    /// <summary>The incident as of its current revision: the projection when it has caught up, else a full read (kept).</summary>
    public async Task<IncidentView?> CurrentAsync(PortalDbContext db, Guid incidentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var revision = await db.Incidents.AsNoTracking().Where(i => i.Id == incidentId).Select(i => (long?)i.Revision).SingleOrDefaultAsync(cancellationToken);
        if (revision is null)
        {
            _entries.TryRemove(incidentId, out _);
            return null;
        }

        if (Trusted(incidentId) is { } entry && entry.Covered >= revision)
        {
            return entry.View;
        }

        return await ReadInFullAsync(db, incidentId, cancellationToken);
    }

    /// <summary>
    /// Takes in the notices merged for one incident in a broadcast pass: reads the named rows (or everything when
    /// asked, or when there is no trusted projection) and returns the new view, or null if the incident is gone.
    /// </summary>
    public async Task<IncidentView?> AdvanceAsync(Guid incidentId, IReadOnlySet<Guid> validators, bool all, ChangedParts parts, long noticeRevision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(validators);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        if (all || Trusted(incidentId) is not { } entry)
        {
            return await ReadInFullAsync(db, incidentId, cancellationToken);
        }

        var generation = Interlocked.Read(ref _generation);
        var listening = _listening;
        IncidentView view;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        TimeSpan rows;
        await using (var snapshot = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken))
        {
            var incident = await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Id == incidentId, cancellationToken);
            if (incident is null)
            {
                _entries.TryRemove(incidentId, out _);
                return null;
            }

            var changed = validators.Count == 0 ? [] : await IncidentReader.LinesAsync(db, incidentId, validators, cancellationToken);
            var byId = changed.ToDictionary(l => l.ValidatorId);
            var lines = entry.View.Validators
                .Where(l => !validators.Contains(l.ValidatorId) || byId.ContainsKey(l.ValidatorId))
                .Select(l => byId.TryGetValue(l.ValidatorId, out var fresh) ? fresh : l)
                .Concat(changed.Where(l => entry.View.Validators.All(old => old.ValidatorId != l.ValidatorId)))
                .ToList();
            var releases = parts.HasFlag(ChangedParts.Release) ? await IncidentReader.ReleasesAsync(db, incidentId, cancellationToken) : entry.View.Releases;
            var snapshots = parts.HasFlag(ChangedParts.Snapshots) ? await IncidentReader.SnapshotsAsync(db, incidentId, cancellationToken) : entry.View.Snapshots;
            rows = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            view = await IncidentReader.ComposeAsync(db, incident, lines, releases, snapshots, clock.GetUtcNow(), cancellationToken);
        }

        var step = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        LogAdvanced(incidentId, validators.Count, rows.TotalMilliseconds, step.TotalMilliseconds);

        // Rows of changes whose notice is still on its way may be older than the incident row: only what the
        // notices taken in cover counts as current, and later notices re-read their rows.
        Store(incidentId, view, Math.Min(view.Incident.Revision, Math.Max(noticeRevision, entry.Covered)), generation, listening);
        return view;
    }

    /// <summary>After a notice could not be taken in: the next reader or notice reads the incident in full.</summary>
    public void Forget(Guid incidentId) => _entries.TryRemove(incidentId, out _);

    /// <summary>Called with the listening connection's state; true after a (re)connect, when nothing earlier is trusted.</summary>
    public void Listening(bool listening)
    {
        _listening = listening;
        Interlocked.Increment(ref _generation);
    }

    private Entry? Trusted(Guid incidentId) =>
        _listening && _entries.TryGetValue(incidentId, out var entry) && entry.Generation == Interlocked.Read(ref _generation) ? entry : null;

    private async Task<IncidentView?> ReadInFullAsync(PortalDbContext db, Guid incidentId, CancellationToken cancellationToken)
    {
        var generation = Interlocked.Read(ref _generation);
        var listening = _listening;
        IncidentView? view;
        await using (var snapshot = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken))
        {
            view = await IncidentReader.ReadAsync(db, incidentId, clock.GetUtcNow(), cancellationToken);
        }

        if (view is null)
        {
            _entries.TryRemove(incidentId, out _);
            return null;
        }

        Store(incidentId, view, view.Incident.Revision, generation, listening);
        return view;
    }

    private void Store(Guid incidentId, IncidentView view, long covered, long generation, bool listening)
    {
        if (!listening)
        {
            return;
        }

        var candidate = new Entry(view, covered, generation);
        _entries.AddOrUpdate(incidentId, candidate, (_, current) =>
            current.Generation != generation ? (generation > current.Generation ? candidate : current)
            : view.Incident.Revision > current.View.Incident.Revision || (view.Incident.Revision == current.View.Incident.Revision && covered >= current.Covered) ? candidate
            : current);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Projection of incident {IncidentId} advanced by {Rows} rows: incident and rows read in {RowsMs:0.0} ms, whole step (with composing and its reads) {StepMs:0.0} ms")]
    private partial void LogAdvanced(Guid incidentId, int rows, double rowsMs, double stepMs);
}
