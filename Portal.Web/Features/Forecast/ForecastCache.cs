using System.Collections.Concurrent;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Forecast;

/// <summary>
/// One forecast per incident state and minute, shared by every console showing it. A forecast is thousands of
/// draws over every not-ready validator (a third of a second for 2,000 of them); each of a few hundred open
/// consoles building its own on every change would spend minutes of CPU per change on the same answer.
/// </summary>
public sealed class ForecastCache(ForecastSettings settings)
{
    private readonly ConcurrentDictionary<Guid, (long Revision, DateTimeOffset AsOf, Lazy<ForecastModel> Model)> _latest = new();

    /// <summary>The forecast of <paramref name="view"/> as of the minute of <paramref name="asOf"/>, built once for all who ask.</summary>
    public ForecastModel Get(IncidentView view, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(view);
        var minute = new DateTimeOffset(asOf.UtcTicks - (asOf.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        var revision = view.Incident.Revision;
        var entry = _latest.AddOrUpdate(
            view.Incident.Id,
            _ => New(view, revision, minute),
            (_, held) => held.Revision == revision && held.AsOf == minute ? held
                // A console still on an older state does not evict the newer forecast others are reading.
                : held.Revision > revision ? held
                : New(view, revision, minute));
        return entry.Revision == revision && entry.AsOf == minute ? entry.Model.Value : ForecastModel.Build(view, minute, settings);
    }

    private (long, DateTimeOffset, Lazy<ForecastModel>) New(IncidentView view, long revision, DateTimeOffset minute) =>
        (revision, minute, new Lazy<ForecastModel>(() => ForecastModel.Build(view, minute, settings), LazyThreadSafetyMode.ExecutionAndPublication));
}
