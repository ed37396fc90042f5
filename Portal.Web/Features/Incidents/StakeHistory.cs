using System.Numerics;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;

namespace Portal.Web.Features.Incidents;

/// <summary>Acknowledged, upgraded and ready weight (by the rule's weighting) from <see cref="At"/> on.</summary>
public sealed record StakePoint(DateTimeOffset At, BigInteger Acknowledged, BigInteger Upgraded, BigInteger Ready);

public enum StakeMarkerKind
{
    Release,
    Page,
    Quorum,
    QuorumLost,
}

/// <summary>A moment worth a vertical line on the chart: a release published, a validator paged, quorum reached or lost.</summary>
public sealed record StakeMarker(DateTimeOffset At, StakeMarkerKind Kind, string Label);

/// <summary>
/// The stake over time of one incident, rebuilt from its timeline: each validator-status entry moves one
/// validator's weight between states, a superseding release sends upgraded and ready validators back to pending
/// (as <see cref="Incident.Publish"/> does). All sums are exact integers; only the chart turns them into pixels.
/// </summary>
public sealed record StakeHistory(
    DateTimeOffset Start,
    DateTimeOffset End,
    BigInteger Total,
    BigInteger Threshold,
    IReadOnlyList<StakePoint> Points,
    IReadOnlyList<StakeMarker> Markers)
{
    /// <summary>Paging entries are named by kind; any kind that speaks of paging counts, so later kinds need no change here.</summary>
    public static bool IsPage(string kind) =>
        kind.Contains("paged", StringComparison.OrdinalIgnoreCase) || kind.StartsWith("page", StringComparison.OrdinalIgnoreCase);

    /// <summary>The entry kinds the chart reads; everything else on the timeline leaves stake where it was.</summary>
    public static readonly IReadOnlySet<string> Kinds = new HashSet<string>(StringComparer.Ordinal)
    {
        TimelineKinds.ValidatorStatus, TimelineKinds.ReleasePublished, TimelineKinds.QuorumReached, TimelineKinds.QuorumLost,
    };

    /// <param name="entries">The incident's timeline in order (other kinds are skipped).</param>
    /// <param name="validators">Each validator of the frozen set by name, with its stake.</param>
    /// <param name="start">Where the time axis starts: the incident's declaration.</param>
    /// <param name="end">Where it ends; later than the last entry for an incident still running.</param>
    public static StakeHistory Build(IEnumerable<TimelineEvent> entries, IEnumerable<(string Name, Stake Stake)> validators, QuorumRule rule, DateTimeOffset start, DateTimeOffset end)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(validators);
        ArgumentNullException.ThrowIfNull(rule);

        var seats = validators
            .Select(v => new Seat(rule.Weighting == QuorumWeighting.Count ? BigInteger.One : (BigInteger)v.Stake.Value))
            .ToList();
        var byName = validators.Zip(seats).ToLookup(p => p.First.Name, p => p.Second, StringComparer.Ordinal);
        var total = seats.Aggregate(BigInteger.Zero, (sum, s) => sum + s.Weight);

        var points = new List<StakePoint> { new(start, 0, 0, 0) };
        var markers = new List<StakeMarker>();
        foreach (var entry in entries)
        {
            var moved = false;
            if (entry.Kind == TimelineKinds.ValidatorStatus && Parse(entry.Summary) is { } report)
            {
                // Two validators may share a name: move the one that is in the state the entry moves from.
                var candidates = byName[report.Name].ToList();
                var seat = candidates.Find(s => s.State == report.From) ?? candidates.FirstOrDefault();
                if (seat is not null)
                {
                    seat.State = report.To;
                    moved = true;
                }
            }
            else if (entry.Kind == TimelineKinds.ReleasePublished)
            {
                markers.Add(new StakeMarker(entry.At, StakeMarkerKind.Release, entry.Summary));
                if (entry.Summary.Contains("superseding", StringComparison.Ordinal))
                {
                    foreach (var seat in seats.Where(s => ValidatorTransitions.ResetForNewRelease(s.State)))
                    {
                        seat.State = ValidatorState.Pending;
                        moved = true;
                    }
                }
            }
            else if (entry.Kind == TimelineKinds.QuorumReached)
            {
                markers.Add(new StakeMarker(entry.At, StakeMarkerKind.Quorum, entry.Summary));
            }
            else if (entry.Kind == TimelineKinds.QuorumLost)
            {
                markers.Add(new StakeMarker(entry.At, StakeMarkerKind.QuorumLost, entry.Summary));
            }
            else if (IsPage(entry.Kind))
            {
                markers.Add(new StakeMarker(entry.At, StakeMarkerKind.Page, PublicTimeline.Summary(entry)));
            }

            if (moved)
            {
                var point = Sum(entry.At, seats);
                // Entries of one change share a time: keep the last sum for that moment only.
                if (points[^1].At == entry.At)
                {
                    points[^1] = point;
                }
                else
                {
                    points.Add(point);
                }
            }
        }

        var last = Max(points[^1].At, markers.Count > 0 ? markers.Max(m => m.At) : start);
        return new StakeHistory(start, Max(end, last), total, Quorum.RequiredWeight(rule, total), points, markers);
    }

    /// <summary>The weights as they stand at the end of the history.</summary>
    public StakePoint Latest => Points[^1];

    /// <summary>When ready weight first reached the threshold, if it did.</summary>
    public DateTimeOffset? QuorumAt => Points.FirstOrDefault(p => p.Ready >= Threshold && !Threshold.IsZero)?.At;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static StakePoint Sum(DateTimeOffset at, List<Seat> seats)
    {
        BigInteger acknowledged = 0, upgraded = 0, ready = 0;
        foreach (var seat in seats)
        {
            acknowledged += seat.State != ValidatorState.Pending ? seat.Weight : 0;
            upgraded += seat.State is ValidatorState.Upgraded or ValidatorState.Ready ? seat.Weight : 0;
            ready += seat.State == ValidatorState.Ready ? seat.Weight : 0;
        }

        return new StakePoint(at, acknowledged, upgraded, ready);
    }

    /// <summary>
    /// Reads "{validator}: {from} → {to}[, running {version}][ — {note}]." as written by
    /// <see cref="IncidentService.Describe"/>; a validator's name may itself hold ": ", so the split is the last
    /// one before the arrow.
    /// </summary>
    internal static (string Name, ValidatorState From, ValidatorState To)? Parse(string summary)
    {
        var arrow = summary.IndexOf(" → ", StringComparison.Ordinal);
        if (arrow < 0)
        {
            return null;
        }

        var colon = summary.LastIndexOf(": ", arrow, StringComparison.Ordinal);
        if (colon < 0)
        {
            return null;
        }

        var rest = summary.AsSpan(arrow + 3);
        var length = 0;
        while (length < rest.Length && char.IsAsciiLetterLower(rest[length]))
        {
            length++;
        }

        return TryState(summary[(colon + 2)..arrow], out var from) && TryState(rest[..length].ToString(), out var to)
            ? (summary[..colon], from, to)
            : null;
    }

    private static bool TryState(string name, out ValidatorState state)
    {
        foreach (var candidate in Enum.GetValues<ValidatorState>())
        {
            if (ValidatorTransitions.Name(candidate) == name)
            {
                state = candidate;
                return true;
            }
        }

        state = default;
        return false;
    }

    private sealed class Seat(BigInteger weight)
    {
        public BigInteger Weight { get; } = weight;
        public ValidatorState State { get; set; } = ValidatorState.Pending;
    }
}

/// <summary>Reads what <see cref="StakeHistory"/> needs: the frozen set and the timeline entries that move stake.</summary>
public sealed class StakeHistoryReader(PortalDbContext db)
{
    public async Task<StakeHistory?> LoadAsync(Guid incidentId, CancellationToken cancellationToken = default)
    {
        var incident = await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Id == incidentId, cancellationToken);
        if (incident is null)
        {
            return null;
        }

        var rule = await db.Networks.AsNoTracking().Where(n => n.Id == incident.NetworkId).Select(n => n.Quorum).SingleAsync(cancellationToken);
        var validators = await db.IncidentValidators.AsNoTracking()
            .Where(iv => iv.IncidentId == incidentId)
            .Join(db.Validators, iv => iv.ValidatorId, v => v.Id, (iv, v) => new { v.Name, iv.Stake })
            .ToListAsync(cancellationToken);
        var kinds = StakeHistory.Kinds.ToList();
        var entries = await db.TimelineEvents.AsNoTracking()
            .Where(e => e.IncidentId == incidentId && (kinds.Contains(e.Kind) || e.Kind.Contains("page")))
            .OrderBy(e => e.Id)
            .ToListAsync(cancellationToken);

        // The axis ends at the last change, not at the reader's clock: the picture is the same whoever loads it
        // and whenever, so a cache or a screenshot of it stays true (and a replayed drill keeps its own times).
        return StakeHistory.Build(entries, validators.Select(v => (v.Name, v.Stake)), rule, incident.DeclaredAt, incident.UpdatedAt);
    }
}
