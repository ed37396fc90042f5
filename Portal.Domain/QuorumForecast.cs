using System.Globalization;
using System.Numerics;

namespace Portal.Domain;

/// <summary>One validator as the forecast sees it: quorum's view, plus where and when its operator is awake.</summary>
/// <param name="Zone">The validator's time zone, resolved by the caller; null when unknown (counted awake).</param>
/// <param name="ReadyAt">When it last turned ready, for those ready now (their response time is observed).</param>
public sealed record ForecastVoter(QuorumVoter Voter, TimeZoneInfo? Zone, WakingWindow Window, DateTimeOffset? ReadyAt = null);

/// <summary>How the forecast samples: see docs/decisions/0018-forecast-model.md.</summary>
public sealed record ForecastOptions
{
    /// <summary>
    /// Response times (waking or release, whichever is later → ready) that join the observed ones until there
    /// are enough; for operators who slept through the release they also stand for the morning.
    /// </summary>
    public IReadOnlyList<TimeSpan> PriorResponses { get; init; } =
        [TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(90), TimeSpan.FromMinutes(120), TimeSpan.FromMinutes(180), TimeSpan.FromMinutes(240)];

    /// <summary>How many observed responses of a kind the forecast needs before it trusts them alone.</summary>
    public int MinObserved { get; init; } = 5;

    public int Draws { get; init; } = 2_000;

    /// <summary>Fixes the random draws: the same incident state gives the same forecast.</summary>
    public int Seed { get; init; } = 12;
}

/// <summary>A not-ready validator of the wake-next set, and whether its operator is awake.</summary>
/// <param name="NextWakeAt">When its window next opens; <see cref="ForecastResult.AsOf"/> when awake now.</param>
/// <param name="LocalTime">Its wall clock at <see cref="ForecastResult.AsOf"/>; null without a zone.</param>
public sealed record ForecastWake(QuorumVoter Voter, bool Awake, DateTimeOffset NextWakeAt, DateTimeOffset? LocalTime);

/// <summary>
/// The response times one kind of operator is drawn from: those observed in this incident, joined by the prior
/// (<see cref="WithPrior"/>) until there are <see cref="ForecastOptions.MinObserved"/> of them.
/// </summary>
public sealed record ResponsePool(IReadOnlyList<TimeSpan> Values, int Observed, bool WithPrior)
{
    public TimeSpan Median => Values.Order().ElementAt((Values.Count - 1) / 2);
}

/// <summary>The responses seen so far, split by whether the operator was awake when the fix came out.</summary>
/// <param name="Watching">Awake at the release: from the release to ready.</param>
/// <param name="AfterWaking">Asleep at the release: from the first waking moment after it to ready.</param>
public sealed record ObservedResponses(IReadOnlyList<TimeSpan> Watching, IReadOnlyList<TimeSpan> AfterWaking);

/// <summary>The projection; <see cref="ProjectedQuorumAt"/> and the band are null when none can be made (<see cref="Basis"/> says why).</summary>
/// <param name="Watching">What operators awake both at the release and now are drawn from.</param>
/// <param name="Waking">What every other operator is drawn from, counted from its next waking moment.</param>
public sealed record ForecastResult(
    DateTimeOffset AsOf,
    QuorumEvaluation Quorum,
    DateTimeOffset? ProjectedQuorumAt,
    DateTimeOffset? BandEarliest,
    DateTimeOffset? BandLatest,
    string Basis,
    IReadOnlyList<ForecastWake> WakeNext,
    ResponsePool Watching,
    ResponsePool Waking)
{
    public bool Reached => Quorum.Reached;
}

/// <summary>
/// When quorum is likely to come. Each not-ready, not-blocked validator turns ready at its next waking moment
/// (now, if awake) plus a response time drawn from this incident's observed responses: an operator watching
/// since the release from those of the others who were, an operator who slept through it from those who
/// answered after waking (with the watching ones and the prior until there are enough). In each of many
/// draws quorum comes when the ready weight, taken in order of those times, reaches the rule. The median of the draws is the projection, the 10th and 90th percentiles its band.
/// Pure: the time, the zones and the seed are all given.
/// </summary>
public static class QuorumForecast
{
    public static ForecastResult Project(QuorumRule rule, IReadOnlyList<ForecastVoter> voters, DateTimeOffset asOf, DateTimeOffset? releasePublishedAt, ForecastOptions options)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(voters);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Draws < 1 || options.PriorResponses.Count == 0)
        {
            throw new DomainException("The forecast needs at least one draw and a prior response time.");
        }

        var quorum = Quorum.Evaluate(rule, [.. voters.Select(v => v.Voter)]);
        var byKey = voters.ToDictionary(v => v.Voter.Key, StringComparer.Ordinal);
        bool AwakeNow(QuorumVoter v) => byKey[v.Key].Window.IsAwake(asOf, byKey[v.Key].Zone);
        DateTimeOffset NextWake(QuorumVoter v) => byKey[v.Key].Window.NextWake(asOf, byKey[v.Key].Zone);

        var wakeNext = quorum.Reached
            ? []
            : Quorum.SmallestClosingSet(rule, quorum.SmallestClosingSet.Count == 0 ? [] : voters.Select(v => v.Voter), quorum.Needed, AwakeNow, v => NextWake(v).UtcTicks)
                .Select(v => new ForecastWake(v, AwakeNow(v), NextWake(v), byKey[v.Key].Zone is { } zone ? TimeZoneInfo.ConvertTime(asOf, zone) : null))
                .ToList();

        var observed = Observe(voters, releasePublishedAt);
        var watching = Pool(observed.Watching, [], options);
        var waking = Pool(observed.AfterWaking, observed.Watching, options);
        ForecastResult Without(string basis) => new(asOf, quorum, null, null, null, basis, wakeNext, watching, waking);

        if (quorum.Reached)
        {
            return Without("Quorum is reached: nothing left to project.");
        }

        if (!quorum.Reachable)
        {
            return Without("Quorum cannot be reached with this validator set, not even if every validator turned ready.");
        }

        if (releasePublishedAt is not { } published)
        {
            return Without("No release is published yet: the projection starts once validators have a fix to run.");
        }

        // Only an operator awake when the fix came out and still awake now is answering as the watching ones did;
        // anyone else answers after a night, from its next waking moment.
        var pending = voters
            .Where(v => v.Voter.State is not (ValidatorState.Ready or ValidatorState.Blocked) && Quorum.WeightOf(rule, v.Voter) > 0)
            .Select(v => (
                Weight: Quorum.WeightOf(rule, v.Voter),
                Start: Max(v.Window.NextWake(Max(asOf, published), v.Zone), asOf),
                Watching: v.Window.IsAwake(published, v.Zone) && v.Window.IsAwake(asOf, v.Zone)))
            .ToList();
        var gap = quorum.Needed;
        if (pending.Aggregate(BigInteger.Zero, (sum, p) => sum + p.Weight) < gap)
        {
            return Without("Quorum needs blocked validators: without them the rest cannot reach it, so no time can be projected.");
        }

        var random = new Random(options.Seed);
        var fromWatching = new Sampler(watching.Values);
        var fromWaking = new Sampler(waking.Values);
        var outcomes = new long[options.Draws];
        var times = new (long At, BigInteger Weight)[pending.Count];
        for (var draw = 0; draw < options.Draws; draw++)
        {
            for (var i = 0; i < pending.Count; i++)
            {
                var minutes = (pending[i].Watching ? fromWatching : fromWaking).Minutes(random);
                times[i] = (pending[i].Start.UtcTicks + (long)(minutes * TimeSpan.TicksPerMinute), pending[i].Weight);
            }

            Array.Sort(times, (a, b) => a.At.CompareTo(b.At));
            BigInteger gathered = 0;
            foreach (var (at, weight) in times)
            {
                gathered += weight;
                if (gathered >= gap)
                {
                    outcomes[draw] = at;
                    break;
                }
            }
        }

        Array.Sort(outcomes);
        var median = At(Percentile(outcomes, 50));
        var earliest = At(Percentile(outcomes, 10));
        var latest = At(Percentile(outcomes, 90));
        return new ForecastResult(asOf, quorum, median, earliest, latest, Basis(watching, waking, options, wakeNext), wakeNext, watching, waking);
    }

    /// <summary>
    /// This incident's response times, for each validator ready now: an operator awake when the release came out
    /// is timed from the release; one asleep then is timed from its first waking moment after it, which is what
    /// the model adds to every sleeper's waking moment.
    /// </summary>
    public static ObservedResponses Observe(IEnumerable<ForecastVoter> voters, DateTimeOffset? releasePublishedAt)
    {
        ArgumentNullException.ThrowIfNull(voters);
        if (releasePublishedAt is not { } published)
        {
            return new([], []);
        }

        var ready = voters.Where(v => v.Voter.State == ValidatorState.Ready && v.ReadyAt is { } at && at >= published).ToList();
        TimeSpan Since(ForecastVoter v, DateTimeOffset from) => Max(v.ReadyAt!.Value - Min(from, v.ReadyAt.Value), TimeSpan.Zero);
        return new(
            [.. ready.Where(v => v.Window.IsAwake(published, v.Zone)).Select(v => Since(v, published)).Order()],
            [.. ready.Where(v => !v.Window.IsAwake(published, v.Zone)).Select(v => Since(v, v.Window.NextWake(published, v.Zone))).Order()]);
    }

    /// <summary>
    /// A kind's own responses once there are enough; until then they are joined by <paramref name="related"/>
    /// (for sleepers, what the watching operators took: the work itself, a snapshot's download, is the same) and
    /// the prior, which carries what watching operators cannot show: the morning before an operator sits down.
    /// </summary>
    private static ResponsePool Pool(IReadOnlyList<TimeSpan> own, IReadOnlyList<TimeSpan> related, ForecastOptions options) =>
        own.Count >= options.MinObserved
            ? new(own, own.Count, WithPrior: false)
            : new([.. own.Concat(related).Concat(options.PriorResponses).Order()], own.Count + related.Count, WithPrior: true);

    /// <summary>
    /// Draws response minutes from a pool smoothed on the log scale by Silverman's rule of thumb:
    /// 1.06 · sd · n^(−1/5). A handful of responses resampled as they are would give a band of a few discrete
    /// values; smoothing each draw by this much log-normal noise is the usual remedy, and it shrinks as
    /// observations accumulate. No draw is longer than a week: a far tail would only push the band past any use.
    /// </summary>
    private sealed class Sampler
    {
        private const double MaxMinutes = 7 * 24 * 60;
        private readonly double[] _logs;
        private readonly double _bandwidth;

        public Sampler(IReadOnlyList<TimeSpan> responses)
        {
            _logs = [.. responses.Select(r => Math.Log(Math.Max(r.TotalMinutes, 1)))];
            if (_logs.Length >= 2)
            {
                var mean = _logs.Average();
                var sd = Math.Sqrt(_logs.Sum(l => (l - mean) * (l - mean)) / (_logs.Length - 1));
                _bandwidth = 1.06 * sd * Math.Pow(_logs.Length, -0.2);
            }
        }

        public double Minutes(Random random) =>
            Math.Min(Math.Exp(_logs[random.Next(_logs.Length)] + (_bandwidth * Gaussian(random))), MaxMinutes);

        /// <summary>A standard normal draw (Box–Muller) from the seeded source.</summary>
        private static double Gaussian(Random random) =>
            Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
    }

    private static string Basis(ResponsePool watching, ResponsePool waking, ForecastOptions options, List<ForecastWake> wakeNext)
    {
        var watched = watching.WithPrior
            ? $"assumed median response {Duration(watching.Median)} (only {watching.Observed} of the {options.MinObserved} observed responses the model waits for)"
            : $"median response {Duration(watching.Median)} from {watching.Observed} validators";
        var woken = waking.WithPrior
            ? $"after waking, assumed median {Duration(waking.Median)} (the responses so far and the prior, until {options.MinObserved} answer after a night)"
            : $"after waking, median {Duration(waking.Median)} from {waking.Observed} validators";
        var awake = wakeNext.Count(w => w.Awake);
        var asleep = wakeNext.Where(w => !w.Awake).ToList();
        var who = asleep.Count == 0
            ? $"all {wakeNext.Count} needed validators are awake now"
            : $"{(awake == 0 ? "" : $"{awake} needed validator{(awake == 1 ? " is" : "s are")} awake now, ")}{asleep.Count} needed validator{(asleep.Count == 1 ? "" : "s")} wake{(asleep.Count == 1 ? "s" : "")} {When(asleep.Min(w => w.NextWakeAt), asleep.Max(w => w.NextWakeAt))} UTC";
        return $"{watched}; {woken}; {who}; {options.Draws} draws, band 10–90 %";
    }

    private static string Duration(TimeSpan span) =>
        span.TotalMinutes < 60 ? $"{(int)span.TotalMinutes} min" : $"{(int)span.TotalHours} h {span.Minutes:00} min";

    private static string When(DateTimeOffset first, DateTimeOffset last) =>
        Clock(first) == Clock(last) ? $"at {Clock(first)}" : $"between {Clock(first)} and {Clock(last)}";

    private static string Clock(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture);

    private static long Percentile(long[] sorted, int percent) => sorted[(int)Math.Round((sorted.Length - 1) * percent / 100.0)];

    /// <summary>To the minute: a projection hours ahead claims no seconds.</summary>
    private static DateTimeOffset At(long ticks) => new(ticks - (ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero);

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
