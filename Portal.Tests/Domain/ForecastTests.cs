using System.Numerics;
using Portal.Domain;

namespace Portal.Tests.Domain;

/// <summary>
/// The forecast on the CyberMiles story (seeds/000): 24 validators of equal stake, 17 needed under "more than
/// 2/3". The fix and its snapshot are published at 14:00 EST on a Sunday; the six North American operators are
/// ready between 14:45 and 17:00 EST; Europe has gone to bed; Asia and Australia are asleep or just waking. Quorum really came
/// at 22:00 EST, when Asia woke up on Monday morning. EST is UTC−5 in November.
/// </summary>
public sealed class ForecastTests
{
    private static readonly TimeSpan Est = TimeSpan.FromHours(-5);
    private static readonly DateTimeOffset Published = new(2026, 11, 22, 14, 0, 0, Est);
    private static readonly DateTimeOffset HalfPastFive = new(2026, 11, 22, 17, 30, 0, Est);
    private static readonly DateTimeOffset RealQuorum = new(2026, 11, 22, 22, 0, 0, Est);
    private static readonly Stake TenMillionCmt = Stake.Parse("10000000000000000000000000");

    /// <summary>The seats of the API scenario: 11 in Asia, 1 in Sydney, 6 in North America, 6 in Europe.</summary>
    private static readonly string[] Zones =
    [
        "Asia/Taipei", "Asia/Shanghai", "Asia/Shanghai", "Asia/Shanghai", "Asia/Seoul", "Asia/Tokyo", "Asia/Tokyo", "Asia/Singapore",
        "Asia/Hong_Kong", "Asia/Manila", "Asia/Bangkok", "Australia/Sydney", "America/Chicago", "America/Los_Angeles", "America/Los_Angeles",
        "America/New_York", "America/Toronto", "America/New_York", "Europe/Berlin", "Europe/London", "Europe/Zurich", "Europe/Warsaw", "Europe/Kyiv", "Europe/Moscow",
    ];

    private static readonly int[] NorthAmerica = [12, 13, 14, 15, 16, 17];

    /// <summary>Minutes after the release each North American seat turned ready: 14:45 to 17:00 EST.</summary>
    private static readonly int[] NorthAmericaReadyAfter = [45, 75, 90, 120, 150, 180];

    private static string Key(int seat) => $"seat-{seat:00}";

    private static TimeZoneInfo Zone(string id) => TimeZoneInfo.FindSystemTimeZoneById(id);

    private static List<ForecastVoter> CyberMiles(Func<int, ValidatorState>? state = null) => Story(Published, NorthAmericaReadyAfter, state);

    /// <summary>The 24 seats with the fix out at <paramref name="published"/> and North America ready the given minutes after it.</summary>
    private static List<ForecastVoter> Story(DateTimeOffset published, int[] readyAfter, Func<int, ValidatorState>? state = null) =>
    [
        .. Zones.Select((zone, seat) =>
        {
            var na = Array.IndexOf(NorthAmerica, seat);
            var s = state?.Invoke(seat) ?? (na >= 0 ? ValidatorState.Ready : seat is 18 or 19 ? ValidatorState.Acknowledged : ValidatorState.Pending);
            DateTimeOffset? readyAt = s == ValidatorState.Ready ? published.AddMinutes(na >= 0 ? readyAfter[na] : 60) : null;
            return new ForecastVoter(new QuorumVoter(Key(seat), TenMillionCmt, s), Zone(zone), WakingWindow.Default, readyAt);
        }),
    ];

    private static ForecastResult Project(IReadOnlyList<ForecastVoter> voters, DateTimeOffset asOf, DateTimeOffset? published = null, ForecastOptions? options = null) =>
        QuorumForecast.Project(QuorumRule.TwoThirdsOfStake, voters, asOf, published ?? Published, options ?? new ForecastOptions());

    /// <summary>
    /// When the fix came out and how fast North America answered, all with North America ready by 17:30 EST: the
    /// postmortem says the first nodes came online at 17:00; the demo publishes at 17:00 and has North America
    /// ready within half an hour.
    /// </summary>
    public static TheoryData<int, int[]> Stories => new()
    {
        { 14, [45, 75, 90, 120, 150, 180] },
        { 16, [20, 35, 45, 60, 75, 90] },
        { 17, [5, 10, 15, 20, 25, 30] },
    };

    [Theory]
    [MemberData(nameof(Stories))]
    public void At_half_past_five_EST_the_projection_falls_in_the_Asian_morning_and_its_band_holds_ten_pm(int publishedHour, int[] readyAfter)
    {
        var published = new DateTimeOffset(2026, 11, 22, publishedHour, 0, 0, Est);
        var forecast = Project(Story(published, readyAfter), HalfPastFive, published);

        Assert.False(forecast.Reached);
        // 160,000,000 CMT and one base unit make "more than 2/3"; 60,000,000 are ready: eleven more validators.
        Assert.Equal((new BigInteger(10) * (BigInteger)TenMillionCmt.Value) + 1, forecast.Quorum.Needed);
        var projected = Assert.NotNull(forecast.ProjectedQuorumAt);
        var earliest = Assert.NotNull(forecast.BandEarliest);
        var latest = Assert.NotNull(forecast.BandLatest);

        // Monday morning in Beijing, Taipei and Singapore: 08:00 to noon local.
        var beijing = TimeZoneInfo.ConvertTime(projected, Zone("Asia/Shanghai"));
        Assert.Equal(new DateTime(2026, 11, 23), beijing.Date);
        Assert.True(beijing.Hour is >= 8 and < 12, $"{projected:u} in {earliest:u} – {latest:u}");
        Assert.True(earliest <= projected && projected <= latest, $"{earliest:u} ≤ {projected:u} ≤ {latest:u}");
        Assert.True(earliest <= RealQuorum && RealQuorum <= latest, $"band {earliest:u} – {latest:u} should hold {RealQuorum:u}");
        Assert.True(earliest > HalfPastFive);

        // The six North American responses are enough for those watching; nobody has answered after a night yet.
        Assert.False(forecast.Watching.WithPrior);
        Assert.Equal(readyAfter.Select(m => TimeSpan.FromMinutes(m)), forecast.Watching.Values);
        Assert.True(forecast.Waking.WithPrior);
        Assert.Equal(readyAfter.Length + new ForecastOptions().PriorResponses.Count, forecast.Waking.Values.Count);
        Assert.Contains("2000 draws", forecast.Basis, StringComparison.Ordinal);
    }

    [Fact]
    public void The_basis_names_both_medians()
    {
        var forecast = Project(CyberMiles(), HalfPastFive);

        // Watching: 45…180 min, median 90. After waking: those six and the prior 30…240, twelve values, median 90.
        Assert.StartsWith("median response 1 h 30 min from 6 validators; after waking, assumed median 1 h 30 min (the responses so far and the prior, until 5 answer after a night); ", forecast.Basis, StringComparison.Ordinal);
    }

    [Fact]
    public void Sleepers_are_not_assumed_to_answer_as_fast_as_those_who_were_watching()
    {
        // The demo's shape: North America answered within half an hour of the fix at 17:00 EST. Drawing the
        // Asian mornings from those quick answers alone would put quorum an hour after Asia wakes (00:00 UTC).
        var published = new DateTimeOffset(2026, 11, 22, 17, 0, 0, Est);
        var forecast = Project(Story(published, [5, 10, 15, 20, 25, 30]), HalfPastFive, published);

        Assert.True(forecast.Waking.Median > forecast.Watching.Median);
        Assert.True(forecast.BandEarliest > new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero), $"band from {forecast.BandEarliest:u}");
    }

    [Fact]
    public void Once_five_operators_answered_after_waking_their_responses_alone_are_used_for_the_sleepers()
    {
        // Seoul and Tokyo woke at 08:00 local (23:00 UTC), Taipei and one Shanghai seat at 08:00 (00:00 UTC); each
        // was ready 20 to 40 minutes later.
        var published = new DateTimeOffset(2026, 11, 22, 17, 0, 0, Est);
        var woke = new Dictionary<int, DateTimeOffset>
        {
            [4] = new(2026, 11, 22, 23, 20, 0, TimeSpan.Zero),
            [5] = new(2026, 11, 22, 23, 25, 0, TimeSpan.Zero),
            [6] = new(2026, 11, 22, 23, 30, 0, TimeSpan.Zero),
            [0] = new(2026, 11, 23, 0, 35, 0, TimeSpan.Zero),
            [1] = new(2026, 11, 23, 0, 40, 0, TimeSpan.Zero),
        };
        var voters = Story(published, [5, 10, 15, 20, 25, 30])
            .Select((v, seat) => woke.TryGetValue(seat, out var at) ? v with { Voter = v.Voter with { State = ValidatorState.Ready }, ReadyAt = at } : v)
            .ToList();
        var asOf = new DateTimeOffset(2026, 11, 23, 0, 45, 0, TimeSpan.Zero);
        var forecast = Project(voters, asOf, published);

        Assert.False(forecast.Waking.WithPrior);
        Assert.Equal([20, 25, 30, 35, 40], forecast.Waking.Values.Select(r => (int)r.TotalMinutes));
        Assert.Contains("after waking, median 30 min from 5 validators", forecast.Basis, StringComparison.Ordinal);
        // Six more needed, the rest of Asia awake now and answering as fast as their neighbours did.
        Assert.True(forecast.ProjectedQuorumAt < new DateTimeOffset(2026, 11, 23, 2, 0, 0, TimeSpan.Zero), $"{forecast.ProjectedQuorumAt:u}");
    }

    [Fact]
    public void Wake_next_is_eleven_validators_with_the_one_awake_in_Sydney_first_then_those_who_wake_soonest()
    {
        var forecast = Project(CyberMiles(), HalfPastFive);

        Assert.Equal(11, forecast.WakeNext.Count);
        var first = forecast.WakeNext[0];
        Assert.Equal(Key(11), first.Voter.Key);
        Assert.True(first.Awake);
        Assert.Equal(HalfPastFive, first.NextWakeAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.FromHours(11)), first.LocalTime);
        Assert.All(forecast.WakeNext.Skip(1), w => Assert.False(w.Awake));

        // Seoul and Tokyo wake at 23:00 UTC, the 08:00 zones at 00:00 UTC; nobody in Europe is needed.
        Assert.Equal([Key(4), Key(5), Key(6)], forecast.WakeNext.Skip(1).Take(3).Select(w => w.Voter.Key));
        Assert.All(forecast.WakeNext.Skip(1).Take(3), w => Assert.Equal(new DateTimeOffset(2026, 11, 22, 23, 0, 0, TimeSpan.Zero), w.NextWakeAt));
        Assert.All(forecast.WakeNext.Skip(4), w => Assert.Equal(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), w.NextWakeAt));
        Assert.DoesNotContain(forecast.WakeNext, w => w.Voter.Key == Key(10) || int.Parse(w.Voter.Key[5..], System.Globalization.CultureInfo.InvariantCulture) >= 18);
        Assert.Contains("1 needed validator is awake now, 10 needed validators wake between 23:00 and 00:00 UTC", forecast.Basis, StringComparison.Ordinal);
    }

    [Fact]
    public void When_every_needed_sleeper_wakes_at_the_same_minute_the_basis_names_that_minute_once()
    {
        // Seoul, Tokyo, Osaka and Sydney ready too: the seven still needed all wake at 08:00 in UTC+8 (00:00 UTC).
        var forecast = Project(CyberMiles(seat => seat is (>= 4 and <= 6) or (>= 11 and <= 17) ? ValidatorState.Ready : ValidatorState.Pending), HalfPastFive);

        Assert.Equal(7, forecast.WakeNext.Count);
        Assert.Contains("7 needed validators wake at 00:00 UTC", forecast.Basis, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_state_and_seed_give_the_same_forecast_and_another_seed_stays_close()
    {
        var once = Project(CyberMiles(), HalfPastFive);
        var again = Project(CyberMiles(), HalfPastFive);
        var other = Project(CyberMiles(), HalfPastFive, options: new ForecastOptions { Seed = 99 });

        Assert.Equal(once.ProjectedQuorumAt, again.ProjectedQuorumAt);
        Assert.Equal(once.BandEarliest, again.BandEarliest);
        Assert.Equal(once.BandLatest, again.BandLatest);
        Assert.InRange((other.ProjectedQuorumAt!.Value - once.ProjectedQuorumAt!.Value).Duration(), TimeSpan.Zero, TimeSpan.FromMinutes(20));
    }

    [Fact]
    public void With_fewer_than_five_observed_responses_the_prior_is_used_and_the_basis_says_so()
    {
        // Only three North American seats ready: three observed responses.
        var voters = CyberMiles(seat => seat is 12 or 13 or 14 ? ValidatorState.Ready : ValidatorState.Pending);
        var forecast = Project(voters, HalfPastFive);

        // The three observed (45, 75 and 90 min) join the prior's six: median 90 min.
        Assert.True(forecast.Watching.WithPrior);
        Assert.Equal(new ForecastOptions().PriorResponses.Count + 3, forecast.Watching.Values.Count);
        Assert.StartsWith("assumed median response 1 h 30 min (only 3 of the 5 observed responses the model waits for)", forecast.Basis, StringComparison.Ordinal);
        Assert.NotNull(forecast.ProjectedQuorumAt);

        // Three more North Americans are awake now and needed: they come first in wake-next.
        Assert.Equal(14, forecast.WakeNext.Count);
        Assert.Equal(4, forecast.WakeNext.Count(w => w.Awake));
        Assert.All(forecast.WakeNext.Take(4), w => Assert.True(w.Awake));
    }

    [Fact]
    public void A_later_asof_with_more_validators_ready_moves_the_projection_no_earlier_than_now()
    {
        var voters = CyberMiles(seat => seat is >= 4 and <= 17 && seat != 10 ? ValidatorState.Ready : ValidatorState.Pending);
        var asOf = new DateTimeOffset(2026, 11, 22, 21, 0, 0, Est);
        var forecast = Project(voters, asOf);

        Assert.Equal(4, forecast.WakeNext.Count);
        Assert.True(forecast.BandEarliest >= asOf);
        Assert.True(forecast.ProjectedQuorumAt < RealQuorum.AddHours(4));
    }

    [Fact]
    public void No_projection_before_a_release_is_published_once_reached_or_when_unreachable()
    {
        var noRelease = QuorumForecast.Project(QuorumRule.TwoThirdsOfStake, CyberMiles(), HalfPastFive, null, new ForecastOptions());
        Assert.Null(noRelease.ProjectedQuorumAt);
        Assert.Null(noRelease.BandEarliest);
        Assert.Null(noRelease.BandLatest);
        Assert.StartsWith("No release is published yet", noRelease.Basis, StringComparison.Ordinal);
        Assert.Equal(11, noRelease.WakeNext.Count);

        var reached = Project(CyberMiles(seat => seat < 17 ? ValidatorState.Ready : ValidatorState.Pending), HalfPastFive);
        Assert.True(reached.Reached);
        Assert.Null(reached.ProjectedQuorumAt);
        Assert.Empty(reached.WakeNext);
        Assert.StartsWith("Quorum is reached", reached.Basis, StringComparison.Ordinal);

        var blocked = Project(CyberMiles(seat => seat < 12 ? ValidatorState.Blocked : seat < 18 ? ValidatorState.Ready : ValidatorState.Pending), HalfPastFive);
        Assert.Null(blocked.ProjectedQuorumAt);
        Assert.Contains("blocked", blocked.Basis, StringComparison.Ordinal);

        var zero = QuorumForecast.Project(QuorumRule.TwoThirdsOfStake,
            [new ForecastVoter(new QuorumVoter("z", Stake.Zero, ValidatorState.Pending), null, WakingWindow.Default)], HalfPastFive, Published, new ForecastOptions());
        Assert.Null(zero.ProjectedQuorumAt);
        Assert.StartsWith("Quorum cannot be reached", zero.Basis, StringComparison.Ordinal);
    }

    [Fact]
    public void Wake_next_takes_two_awake_validators_over_one_heavier_asleep_when_both_close_the_gap_in_two()
    {
        var asleep = Zone("Asia/Shanghai");
        var awake = Zone("America/New_York");
        ForecastVoter V(string key, string stake, TimeZoneInfo zone, ValidatorState state = ValidatorState.Pending) =>
            new(new QuorumVoter(key, Stake.Parse(stake), state), zone, WakingWindow.Default);

        // Total 60, strict 2/3 needs 41, ready 23: gap 18. Heaviest first would take 10 (asleep) + 9.
        List<ForecastVoter> voters = [V("ready", "23", awake, ValidatorState.Ready), V("big", "10", asleep), V("n1", "9", awake), V("n2", "9", awake), V("small", "9", asleep)];
        var forecast = Project(voters, HalfPastFive);

        Assert.Equal(["big", "n1"], Quorum.Evaluate(QuorumRule.TwoThirdsOfStake, [.. voters.Select(v => v.Voter)]).SmallestClosingSet.Select(v => v.Key));
        Assert.Equal(["n1", "n2"], forecast.WakeNext.Select(w => w.Voter.Key));
        Assert.All(forecast.WakeNext, w => Assert.True(w.Awake));
    }

    [Fact]
    public void Without_a_preference_the_closing_set_is_the_plain_smallest_one()
    {
        QuorumVoter[] voters = [new("a", Stake.Parse("5"), ValidatorState.Pending), new("b", Stake.Parse("4"), ValidatorState.Upgraded), new("c", Stake.Parse("4"), ValidatorState.Pending)];
        var plain = Quorum.Evaluate(QuorumRule.TwoThirdsOfStake, voters).SmallestClosingSet;

        Assert.Equal(plain, Quorum.SmallestClosingSet(QuorumRule.TwoThirdsOfStake, voters, 9, preferred: null, soonest: null));
        Assert.Empty(Quorum.SmallestClosingSet(QuorumRule.TwoThirdsOfStake, voters, 0, preferred: _ => true, soonest: null));
        Assert.Empty(Quorum.SmallestClosingSet(QuorumRule.TwoThirdsOfStake, voters, 14, preferred: _ => true, soonest: null));
    }

    [Fact]
    public void A_response_is_timed_from_waking_for_an_operator_asleep_when_the_fix_came_out()
    {
        // Published 14:00 EST = 03:00 in Shanghai; the operator wakes at 08:00 (00:00 UTC) and is ready at 09:15.
        var ready = new DateTimeOffset(2026, 11, 23, 1, 15, 0, TimeSpan.Zero);
        ForecastVoter[] voters =
        [
            new(new QuorumVoter("asia", TenMillionCmt, ValidatorState.Ready), Zone("Asia/Shanghai"), WakingWindow.Default, ready),
            new(new QuorumVoter("us", TenMillionCmt, ValidatorState.Ready), Zone("America/New_York"), WakingWindow.Default, Published.AddMinutes(40)),
            new(new QuorumVoter("nozone", TenMillionCmt, ValidatorState.Ready), null, WakingWindow.Default, Published.AddMinutes(5)),
            new(new QuorumVoter("before", TenMillionCmt, ValidatorState.Ready), null, WakingWindow.Default, Published.AddMinutes(-5)),
        ];

        var observed = QuorumForecast.Observe(voters, Published);
        Assert.Equal([TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(40)], observed.Watching);
        Assert.Equal([TimeSpan.FromMinutes(75)], observed.AfterWaking);
        Assert.Empty(QuorumForecast.Observe(voters, null).Watching);
        Assert.Empty(QuorumForecast.Observe(voters, null).AfterWaking);
    }

    [Theory]
    [InlineData("08:00", "22:00", "2026-11-22T22:30:00Z", "Asia/Shanghai", false, "2026-11-23T00:00:00Z")]
    [InlineData("08:00", "22:00", "2026-11-22T22:30:00Z", "America/New_York", true, "2026-11-22T22:30:00Z")]
    [InlineData("08:00", "22:00", "2026-11-23T03:00:00Z", "America/New_York", false, "2026-11-23T13:00:00Z")]
    [InlineData("20:00", "06:00", "2026-11-22T20:30:00Z", "Asia/Shanghai", true, "2026-11-22T20:30:00Z")]
    [InlineData("20:00", "06:00", "2026-11-23T02:00:00Z", "Asia/Shanghai", false, "2026-11-23T12:00:00Z")]
    [InlineData("08:00", "22:00", "2026-11-22T22:30:00Z", null, true, "2026-11-22T22:30:00Z")]
    // Spring forward in New York: 02:30 on 8 March 2026 does not exist; a window opening then opens at 03:00 EDT.
    [InlineData("02:30", "04:00", "2026-03-08T05:00:00Z", "America/New_York", false, "2026-03-08T07:00:00Z")]
    public void A_waking_window_knows_who_is_awake_and_when_they_wake(string from, string until, string at, string? zone, bool awake, string nextWake)
    {
        Assert.True(WakingWindow.TryParseTime(from, out var fromMinute));
        Assert.True(WakingWindow.TryParseTime(until, out var untilMinute));
        var window = WakingWindow.Create(fromMinute, untilMinute);
        var moment = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture);
        var tz = zone is null ? null : Zone(zone);

        Assert.Equal(awake, window.IsAwake(moment, tz));
        Assert.Equal(DateTimeOffset.Parse(nextWake, System.Globalization.CultureInfo.InvariantCulture), window.NextWake(moment, tz));
        Assert.Equal($"{from}–{until}", window.ToString());
    }

    [Theory]
    [InlineData("8:00")]
    [InlineData("24:00")]
    [InlineData("08:60")]
    [InlineData("08.00")]
    [InlineData(" 08:00")]
    [InlineData("")]
    [InlineData(null)]
    public void Only_two_digit_24_hour_times_are_read(string? text) => Assert.False(WakingWindow.TryParseTime(text, out _));

    [Fact]
    public void A_window_must_have_two_different_ends_within_the_day()
    {
        Assert.False(WakingWindow.TryCreate(480, 480, out _, out var same));
        Assert.Contains("different", same, StringComparison.Ordinal);
        Assert.False(WakingWindow.TryCreate(-1, 480, out _, out _));
        Assert.False(WakingWindow.TryCreate(480, 1440, out _, out _));
        Assert.Throws<DomainException>(() => WakingWindow.Create(0, 0));
        Assert.Equal(14 * 60, WakingWindow.Default.LengthMinutes);
    }
}
