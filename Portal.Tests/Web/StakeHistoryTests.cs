using System.Globalization;
using System.Numerics;
using Portal.Domain;
using Portal.Web.Features.Incidents;

namespace Portal.Tests.Web;

/// <summary>Stake over time rebuilt from the timeline: exact sums, markers, and the odd cases of real timelines.</summary>
public sealed class StakeHistoryTests
{
    private static readonly DateTimeOffset T0 = new(2019, 5, 26, 10, 0, 0, TimeSpan.Zero);
    private static readonly Guid IncidentId = Guid.NewGuid();

    private static readonly (string Name, Stake Stake)[] Three =
    [
        ("Alpha", Stake.Parse("10000000000000000000000001")),
        ("Beta: the second", Stake.Parse("20000000000000000000000000")),
        ("Gamma", Stake.Parse("30000000000000000000000000")),
    ];

    private static TimelineEvent Entry(int minutes, string kind, string summary) =>
        TimelineEvent.Append(IncidentId, null, kind, "someone", summary, T0.AddMinutes(minutes));

    private static TimelineEvent Report(int minutes, string name, string from, string to, string? tail = null) =>
        Entry(minutes, TimelineKinds.ValidatorStatus, $"{name}: {from} → {to}{tail}.");

    [Fact]
    public void Each_report_moves_exactly_its_validators_stake_and_the_threshold_is_the_rules_least_ready_weight()
    {
        var history = StakeHistory.Build(
            [
                Entry(0, TimelineKinds.Declared, "Declared: x, halted at block 1."),
                Entry(60, TimelineKinds.ReleasePublished, "Release v1 published."),
                Report(61, "Alpha", "pending", "acknowledged"),
                Report(62, "Beta: the second", "pending", "upgraded", ", running v1"),
                Report(63, "Alpha", "acknowledged", "ready", ", running v1 — with a note: it says → things"),
                Report(64, "Gamma", "pending", "ready", ", running v1"),
                Entry(64, TimelineKinds.QuorumReached, "Quorum reached: 2 of 3 validators ready (more than 2/3 of stake)."),
            ],
            Three, QuorumRule.TwoThirdsOfStake, T0, T0.AddMinutes(90));

        var total = BigInteger.Parse("60000000000000000000000001", CultureInfo.InvariantCulture);
        Assert.Equal(total, history.Total);
        Assert.Equal(Quorum.RequiredWeight(QuorumRule.TwoThirdsOfStake, total), history.Threshold);
        Assert.Equal(T0.AddMinutes(90), history.End);
        Assert.Equal(
            [
                (T0, "0", "0", "0"),
                (T0.AddMinutes(61), "10000000000000000000000001", "0", "0"),
                (T0.AddMinutes(62), "30000000000000000000000001", "20000000000000000000000000", "0"),
                (T0.AddMinutes(63), "30000000000000000000000001", "30000000000000000000000001", "10000000000000000000000001"),
                (T0.AddMinutes(64), "60000000000000000000000001", "60000000000000000000000001", "40000000000000000000000001"),
            ],
            history.Points.Select(p => (p.At, p.Acknowledged.ToString(CultureInfo.InvariantCulture), p.Upgraded.ToString(CultureInfo.InvariantCulture), p.Ready.ToString(CultureInfo.InvariantCulture))));
        Assert.Equal([(StakeMarkerKind.Release, T0.AddMinutes(60)), (StakeMarkerKind.Quorum, T0.AddMinutes(64))], history.Markers.Select(m => (m.Kind, m.At)));
        Assert.Equal(T0.AddMinutes(64), history.QuorumAt);
    }

    [Fact]
    public void A_superseding_release_sends_upgraded_and_ready_validators_back_to_pending_and_acknowledged_ones_stay()
    {
        var history = StakeHistory.Build(
            [
                Report(1, "Alpha", "pending", "acknowledged"),
                Report(2, "Gamma", "pending", "ready", ", running v1"),
                Entry(3, TimelineKinds.ReleasePublished, "Release v2 published, superseding v1: 1 validator(s) past acknowledged are pending again and must upgrade to v2."),
            ],
            Three, QuorumRule.TwoThirdsOfStake, T0, T0);

        var last = history.Latest;
        Assert.Equal(T0.AddMinutes(3), last.At);
        Assert.Equal(BigInteger.Parse("10000000000000000000000001", CultureInfo.InvariantCulture), last.Acknowledged);
        Assert.Equal(BigInteger.Zero, last.Ready);
        Assert.Equal(T0.AddMinutes(3), history.End);
    }

    [Fact]
    public void Count_weighting_counts_one_per_validator_and_two_validators_of_one_name_move_one_at_a_time()
    {
        (string, Stake)[] twins = [("Twin", Stake.Parse("5")), ("Twin", Stake.Parse("7")), ("Other", Stake.Parse("9"))];
        var rule = QuorumRule.Create(1, 2, strict: false, QuorumWeighting.Count);
        var history = StakeHistory.Build(
            [Report(1, "Twin", "pending", "ready"), Report(2, "Twin", "pending", "acknowledged"), Report(3, "Twin", "ready", "blocked", " — stuck")],
            twins, rule, T0, T0);

        Assert.Equal(new BigInteger(3), history.Total);
        Assert.Equal(new BigInteger(2), history.Threshold);
        Assert.Equal([(1, 1), (2, 1), (2, 0)], history.Points.Skip(1).Select(p => ((int)p.Acknowledged, (int)p.Ready)));
    }

    [Fact]
    public void Pages_of_any_paging_kind_are_marked_and_unreadable_or_unknown_entries_change_nothing()
    {
        var history = StakeHistory.Build(
            [
                Entry(5, "validator-paged", "Paged Gamma: e-mail, telegram."),
                Entry(6, TimelineKinds.ValidatorStatus, "Nonsense without an arrow."),
                Report(7, "Nobody", "pending", "ready"),
                Report(8, "Alpha", "pending", "sideways"),
                Entry(9, TimelineKinds.QuorumLost, "Quorum lost: only 1 of 3 validators ready; back to coordinating."),
            ],
            Three, QuorumRule.TwoThirdsOfStake, T0, T0);

        Assert.Single(history.Points);
        Assert.Equal([StakeMarkerKind.Page, StakeMarkerKind.QuorumLost], history.Markers.Select(m => m.Kind));
        Assert.Null(history.QuorumAt);
    }

    [Fact]
    public void Entries_of_one_change_share_one_point()
    {
        var history = StakeHistory.Build([Report(1, "Alpha", "pending", "ready"), Report(1, "Gamma", "pending", "ready")], Three, QuorumRule.TwoThirdsOfStake, T0, T0);

        Assert.Equal(2, history.Points.Count);
        Assert.Equal(BigInteger.Parse("40000000000000000000000001", CultureInfo.InvariantCulture), history.Latest.Ready);
    }
}
