using System.Globalization;
using System.Numerics;
using Portal.Domain;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Forecast;

/// <summary>The forecast's settings (section <c>Portal:Forecast</c>); see docs/decisions/0018-forecast-model.md.</summary>
public sealed class ForecastSettings
{
    public const string Section = "Portal:Forecast";

    /// <summary>The response times, in minutes, assumed until enough are observed in the incident.</summary>
    public int[] PriorResponseMinutes { get; set; } = [30, 60, 90, 120, 180, 240];

    public int MinObserved { get; set; } = 5;

    public int Draws { get; set; } = 2_000;

    public ForecastOptions Options(int seed) => new()
    {
        PriorResponses = [.. (PriorResponseMinutes is { Length: > 0 } prior ? prior : [90]).Select(m => TimeSpan.FromMinutes(Math.Clamp(m, 1, 7 * 24 * 60)))],
        MinObserved = Math.Max(1, MinObserved),
        Draws = Math.Clamp(Draws, 1_000, 100_000),
        Seed = seed,
    };
}

/// <summary>One column of the follow-the-sun strip: the not-ready weight of validators at one whole-hour UTC offset.</summary>
/// <param name="Offset">Hours from UTC, −11 to +12 (a +13 or +14 zone shares the clock face of −11 or −10).</param>
/// <param name="LocalMinute">That offset's wall-clock minute of the day now.</param>
/// <param name="Awake">Whether the default window (08:00–22:00) is open there now.</param>
public sealed record SunColumn(int Offset, int LocalMinute, bool Awake, BigInteger NotReadyWeight, int NotReady, int AwakeNotReady);

/// <summary>A forecast with everything the console panel draws, computed from an incident view.</summary>
public sealed record ForecastModel(
    IncidentView View,
    ForecastResult Result,
    IReadOnlyList<(ValidatorLine Line, ForecastWake Wake)> WakeNext,
    IReadOnlyList<SunColumn> Strip,
    IReadOnlyList<ValidatorLine> AwakeNotReady,
    int NoZone)
{
    public static ForecastModel Build(IncidentView view, DateTimeOffset asOf, ForecastSettings settings)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(settings);
        var rule = view.Network.Quorum;
        var byKey = view.Validators.ToDictionary(l => l.ValidatorId.ToString("N"));
        var voters = view.Validators
            .Select(l => new ForecastVoter(new QuorumVoter(l.ValidatorId.ToString("N"), l.Stake, l.State), Zone(l.TimeZone), l.WakingWindow,
                l.State == ValidatorState.Ready ? l.UpdatedAt : null))
            .ToList();
        var published = IncidentReader.CurrentRelease(view.Releases)?.PublishedAt;

        // One seed per incident state: the forecast does not flicker between refreshes of the same picture.
        var seed = HashCode.Combine(view.Incident.Id, view.Incident.Revision);
        var result = QuorumForecast.Project(rule, voters, asOf, published, settings.Options(seed));
        var wakeNext = result.WakeNext.Select(w => (byKey[w.Voter.Key], w)).ToList();

        var notReady = view.Validators.Where(l => l.State != ValidatorState.Ready).ToList();
        var strip = Enumerable.Range(-11, 24).Select(offset =>
        {
            var local = (int)((((asOf.UtcDateTime.TimeOfDay.TotalMinutes + (offset * 60)) % WakingWindow.MinutesPerDay) + WakingWindow.MinutesPerDay) % WakingWindow.MinutesPerDay);
            var here = notReady.Where(l => OffsetHour(l.TimeZone, asOf) == offset).ToList();
            return new SunColumn(offset, local, WakingWindow.Default.Contains(local), Quorum.WeightOf(rule, here.Select(Voter)), here.Count,
                here.Count(l => l.WakingWindow.IsAwake(asOf, Zone(l.TimeZone))));
        }).ToList();
        var awake = notReady.Where(l => Zone(l.TimeZone) is { } zone && l.WakingWindow.IsAwake(asOf, zone)).ToList();
        var noZone = notReady.Count(l => Zone(l.TimeZone) is null);
        if (noZone > 0 && !result.Reached)
        {
            result = result with { Basis = $"{result.Basis}; {noZone} not-ready validator{(noZone == 1 ? " has" : "s have")} no time zone and count{(noZone == 1 ? "s" : "")} as awake" };
        }

        return new ForecastModel(view, result, wakeNext, strip, awake, noZone);
    }

    private static QuorumVoter Voter(ValidatorLine l) => new(l.ValidatorId.ToString("N"), l.Stake, l.State);

    public static TimeZoneInfo? Zone(string? id) =>
        id is not null && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;

    /// <summary>The whole-hour column a zone falls in now (+5:30 in +5), folded into −11…+12; null without a zone.</summary>
    public static int? OffsetHour(string? timeZone, DateTimeOffset at)
    {
        if (Zone(timeZone) is not { } zone)
        {
            return null;
        }

        var hours = (int)Math.Floor(zone.GetUtcOffset(at).TotalHours);
        return hours > 12 ? hours - 24 : hours;
    }

    public static string LocalIso(DateTimeOffset local) => local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}

public sealed record ForecastBand(DateTimeOffset Earliest, DateTimeOffset Latest);

public sealed record WakeNextEntry(string Key, string Name, string Stake, string State, string? TimeZone, string? LocalTime, bool Awake, DateTimeOffset NextWakeAt);

/// <summary>The forecast document of API.md v1.1.</summary>
public sealed record ForecastDocument(DateTimeOffset AsOf, bool Reached, DateTimeOffset? ProjectedQuorumAt, ForecastBand? Band, string Basis, IReadOnlyList<WakeNextEntry> WakeNext)
{
    public static ForecastDocument From(ForecastModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var r = model.Result;
        return new ForecastDocument(
            r.AsOf,
            r.Reached,
            r.ProjectedQuorumAt,
            r.BandEarliest is { } earliest && r.BandLatest is { } latest ? new ForecastBand(earliest, latest) : null,
            r.Basis,
            [.. model.WakeNext.Select(w => new WakeNextEntry(
                w.Line.Key, w.Line.Name, w.Line.Stake.ToString(), ValidatorTransitions.Name(w.Line.State), w.Line.TimeZone,
                w.Wake.LocalTime is { } local ? ForecastModel.LocalIso(local) : null, w.Wake.Awake, w.Wake.NextWakeAt))]);
    }
}
