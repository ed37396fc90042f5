using System.Globalization;
using System.Numerics;
using Portal.Domain;
using static Portal.Tests.Domain.VoterSets;

namespace Portal.Tests.Domain;

public sealed class QuorumTests
{
    private const ValidatorState Pending = ValidatorState.Pending;
    private const ValidatorState Acknowledged = ValidatorState.Acknowledged;
    private const ValidatorState Downloading = ValidatorState.Downloading;
    private const ValidatorState Upgraded = ValidatorState.Upgraded;
    private const ValidatorState Ready = ValidatorState.Ready;
    private const ValidatorState Blocked = ValidatorState.Blocked;

    private const ulong OneToken = 1_000_000_000_000_000_000; // 10^18 base units

    private static BigInteger Big(string digits) => BigInteger.Parse(digits, CultureInfo.InvariantCulture);

    private static QuorumRule Rule(int n, int d, bool strict, QuorumWeighting weighting = QuorumWeighting.Stake) =>
        QuorumRule.Create(n, d, strict, weighting);

    // ---- RequiredWeight: the threshold formula ----

    [Theory]
    [InlineData(2, 3, true, "0", "1")]
    [InlineData(2, 3, false, "0", "1")]
    [InlineData(1, 1, false, "0", "1")]
    [InlineData(2, 3, true, "3", "3")]
    [InlineData(2, 3, false, "3", "2")]
    [InlineData(2, 3, true, "300", "201")]
    [InlineData(2, 3, false, "300", "200")]
    [InlineData(2, 3, true, "301", "201")]
    [InlineData(2, 3, false, "301", "201")]
    [InlineData(2, 3, true, "24", "17")]
    [InlineData(2, 3, true, "43", "29")]
    [InlineData(2, 3, false, "43", "29")]
    [InlineData(29, 43, false, "43", "29")]
    [InlineData(29, 43, true, "43", "30")]
    [InlineData(1, 2, true, "1", "1")]
    [InlineData(1, 2, false, "1", "1")]
    [InlineData(1, 2, true, "2", "2")]
    [InlineData(1, 2, false, "2", "1")]
    [InlineData(1, 1, false, "5", "5")]
    [InlineData(999_999, 1_000_000, true, "1", "1")]
    [InlineData(999_999, 1_000_000, true, "1000000", "1000000")]
    [InlineData(2, 3, true, "3000000000000000000000000000", "2000000000000000000000000001")]
    [InlineData(2, 3, false, "3000000000000000000000000000", "2000000000000000000000000000")]
    [InlineData(2, 3, false, "3000000000000000000000000001", "2000000000000000000000000001")]
    [InlineData(2, 3, true, "3000000000000000000000000001", "2000000000000000000000000001")]
    [InlineData(2, 3, true, "199999999999999999999999999999999999998000", "133333333333333333333333333333333333332001")]
    public void RequiredWeightIsExact(int n, int d, bool strict, string total, string expected)
    {
        Assert.Equal(Big(expected), Quorum.RequiredWeight(Rule(n, d, strict), Big(total)));
    }

    // ---- CyberMiles 2019: 24 validators, equal stake, strict 2/3 ----

    [Theory]
    [InlineData(QuorumWeighting.Stake, 17, true, "0", "16000000000000000001")]
    [InlineData(QuorumWeighting.Stake, 16, false, "1", "16000000000000000001")]
    [InlineData(QuorumWeighting.Stake, 24, true, "0", "16000000000000000001")]
    [InlineData(QuorumWeighting.Stake, 0, false, "16000000000000000001", "16000000000000000001")]
    [InlineData(QuorumWeighting.Count, 17, true, "0", "17")]
    [InlineData(QuorumWeighting.Count, 16, false, "1", "17")]
    [InlineData(QuorumWeighting.Count, 0, false, "17", "17")]
    public void CyberMiles24EqualValidators(QuorumWeighting weighting, int ready, bool reached, string needed, string required)
    {
        var voters = Uniform(OneToken, (Ready, ready), (Pending, 24 - ready));

        var result = Quorum.Evaluate(Rule(2, 3, strict: true, weighting), voters);

        Assert.Equal(reached, result.Reached);
        Assert.Equal(Big(needed), result.Needed);
        Assert.Equal(Big(required), result.RequiredWeight);
        Assert.True(result.Reachable);
        Assert.Equal(24, result.Counts.Total);
        Assert.Equal(ready, result.Counts.Ready);
        if (reached)
        {
            Assert.Empty(result.SmallestClosingSet);
        }
        else
        {
            // Waking the first still-pending validators (by key) closes the gap; 16 ready needs just one more.
            Assert.Equal(Enumerable.Range(ready, 17 - ready).Select(Key), result.SmallestClosingSet.Select(v => v.Key));
        }
    }

    // ---- 43 validators by count ----

    [Theory]
    [InlineData(2, 3, true, 28, false, 1)]
    [InlineData(2, 3, true, 29, true, 0)]
    [InlineData(2, 3, false, 28, false, 1)]
    [InlineData(2, 3, false, 29, true, 0)]
    [InlineData(29, 43, false, 28, false, 1)]
    [InlineData(29, 43, false, 29, true, 0)]
    [InlineData(29, 43, true, 29, false, 1)]
    [InlineData(29, 43, true, 30, true, 0)]
    public void FortyThreeValidatorsByCount(int n, int d, bool strict, int ready, bool reached, int needed)
    {
        // Unequal stakes must not matter when weighing by count.
        var voters = Uniform(7, (Ready, ready), (Upgraded, 43 - ready))
            .Select((v, i) => v with { Stake = Stake.FromUnits((UInt128)(i * 1_000 + 1)) })
            .ToArray();

        var result = Quorum.Evaluate(Rule(n, d, strict, QuorumWeighting.Count), voters);

        Assert.Equal(reached, result.Reached);
        Assert.Equal(new BigInteger(needed), result.Needed);
        Assert.Equal(new BigInteger(43), result.TotalWeight);
        Assert.Equal(new BigInteger(ready), result.ReadyWeight);
        Assert.Equal(new BigInteger(43), result.UpgradedWeight);
        Assert.Equal(needed, result.SmallestClosingSet.Count);
    }

    // ---- "at least" versus "more than" at exactly 2/3 ----

    [Theory]
    [InlineData(false, true, "200", "0")]
    [InlineData(true, false, "201", "1")]
    public void ExactlyTwoThirdsReachesOnlyTheInclusiveRule(bool strict, bool reached, string required, string needed)
    {
        QuorumVoter[] voters = [Voter("a", "100", Ready), Voter("b", "100", Ready), Voter("c", "100", Downloading)];

        var result = Quorum.Evaluate(Rule(2, 3, strict), voters);

        Assert.Equal(new BigInteger(300), result.TotalWeight);
        Assert.Equal(new BigInteger(200), result.ReadyWeight);
        Assert.Equal(reached, result.Reached);
        Assert.Equal(Big(required), result.RequiredWeight);
        Assert.Equal(Big(needed), result.Needed);
        Assert.Equal(reached ? 0 : 1, result.SmallestClosingSet.Count);
        Assert.All(result.SmallestClosingSet, v => Assert.Equal("c", v.Key));
    }

    // ---- The same boundary at 10^27, one base unit apart ----

    private const string Above = "1000000000000000000000000001"; // 10^27 + 1
    private const string Exact = "1000000000000000000000000000"; // 10^27
    private const string Below = "999999999999999999999999999";  // 10^27 - 1

    [Theory]
    // ready = 2·10^27 + 1
    [InlineData("above,exact", true, true, "0")]
    [InlineData("above,exact", false, true, "0")]
    // ready = 2·10^27 exactly
    [InlineData("above,below", true, false, "1")]
    [InlineData("above,below", false, true, "0")]
    // ready = 2·10^27 - 1
    [InlineData("exact,below", true, false, "2")]
    [InlineData("exact,below", false, false, "1")]
    public void BoundaryNearTenToTheTwentySevenIsExactToOneUnit(string readyKeys, bool strict, bool reached, string needed)
    {
        var ready = readyKeys.Split(',');
        QuorumVoter[] voters =
        [
            Voter("above", Above, ready.Contains("above") ? Ready : Upgraded),
            Voter("exact", Exact, ready.Contains("exact") ? Ready : Upgraded),
            Voter("below", Below, ready.Contains("below") ? Ready : Upgraded),
        ];

        var result = Quorum.Evaluate(Rule(2, 3, strict), voters);

        Assert.Equal(Big("3000000000000000000000000000"), result.TotalWeight);
        Assert.Equal(reached, result.Reached);
        Assert.Equal(Big(needed), result.Needed);
        Assert.Equal(result.Needed.IsZero ? 0 : 1, result.SmallestClosingSet.Count);
    }

    [Theory]
    [InlineData(2, true, false, "1")]
    [InlineData(2, false, true, "0")]
    [InlineData(3, true, true, "0")]
    [InlineData(1, false, false, "1000000000000000000000000000")]
    public void ThreeEqualValidatorsAtTenToTheTwentySeven(int ready, bool strict, bool reached, string needed)
    {
        var voters = Uniform(UInt128.Parse(Exact, CultureInfo.InvariantCulture), (Ready, ready), (Acknowledged, 3 - ready));

        var result = Quorum.Evaluate(Rule(2, 3, strict), voters);

        Assert.Equal(reached, result.Reached);
        Assert.Equal(Big(needed), result.Needed);
    }

    // ---- Sums beyond UInt128 ----

    [Theory]
    [InlineData(1333, true)]
    [InlineData(1334, true)]
    [InlineData(1333, false)]
    [InlineData(1334, false)]
    [InlineData(0, true)]
    [InlineData(2000, true)]
    public void TwoThousandMaximalStakesAreSummedExactly(int ready, bool strict)
    {
        var voters = Uniform(Stake.MaxValue, (Ready, ready), (Downloading, 2000 - ready));
        BigInteger max = BigInteger.Pow(10, 38) - 1;
        var total = 2000 * max;
        var readyWeight = ready * max;
        var expectedRequired = strict ? (total * 2 / 3) + 1 : (total * 2 + 2) / 3; // floor+1 vs ceiling
        var expectedReached = strict ? readyWeight * 3 > total * 2 : readyWeight * 3 >= total * 2;

        var result = Quorum.Evaluate(Rule(2, 3, strict), voters);

        Assert.True(total > (BigInteger)UInt128.MaxValue);
        Assert.Equal(total, result.TotalWeight);
        Assert.Equal(readyWeight, result.ReadyWeight);
        Assert.Equal(readyWeight, result.UpgradedWeight);
        Assert.Equal(total, result.AcknowledgedWeight);
        Assert.Equal(expectedRequired, result.RequiredWeight);
        Assert.Equal(expectedReached, result.Reached);
        Assert.Equal(expectedReached ? BigInteger.Zero : expectedRequired - readyWeight, result.Needed);
    }

    [Fact]
    public void TwoThousandMaximalStakesConcreteFigures()
    {
        var voters = Uniform(Stake.MaxValue, (Ready, 1333), (Pending, 667));

        var result = Quorum.Evaluate(QuorumRule.TwoThirdsOfStake, voters);

        // 2000 × (10^38 − 1), written out.
        Assert.Equal(Big("199999999999999999999999999999999999998000"), result.TotalWeight);
        // 10^38 − 1 is divisible by 3, so 2/3 of the total is exact and strict needs one unit more.
        Assert.Equal(Big("133333333333333333333333333333333333332001"), result.RequiredWeight);
        Assert.Equal(Big("133299999999999999999999999999999999998667"), result.ReadyWeight);
        Assert.Equal(Big("33333333333333333333333333333333333334"), result.Needed);
        Assert.False(result.Reached);
        Assert.Equal([Key(1333)], result.SmallestClosingSet.Select(v => v.Key));
    }

    // ---- Zero stake ----

    [Fact]
    public void ZeroStakeValidatorsAreCountedButWeighNothingByStake()
    {
        QuorumVoter[] voters =
        [
            Voter("a", "100", Ready),
            Voter("b", "100", Pending),
            Voter("c", "100", Upgraded),
            Voter("z1", "0", Ready),
            Voter("z2", "0", Pending),
            Voter("z3", "000", Blocked),
        ];

        var result = Quorum.Evaluate(QuorumRule.TwoThirdsOfStake, voters);

        Assert.Equal(new StateCounts(Total: 6, Pending: 2, Acknowledged: 0, Downloading: 0, Upgraded: 1, Ready: 2, Blocked: 1), result.Counts);
        Assert.Equal(new BigInteger(300), result.TotalWeight);
        Assert.Equal(new BigInteger(100), result.ReadyWeight);
        Assert.Equal(new BigInteger(200), result.UpgradedWeight);
        Assert.Equal(new BigInteger(200), result.AcknowledgedWeight);
        Assert.Equal(new BigInteger(201), result.RequiredWeight);
        Assert.Equal(new BigInteger(101), result.Needed);
        Assert.False(result.Reached);
        Assert.True(result.Reachable);
        Assert.Equal(["c", "b"], result.SmallestClosingSet.Select(v => v.Key));
    }

    [Fact]
    public void ZeroStakeValidatorsWeighOneByCount()
    {
        QuorumVoter[] voters =
        [
            Voter("a", "100", Ready),
            Voter("b", "100", Pending),
            Voter("c", "100", Upgraded),
            Voter("z1", "0", Ready),
            Voter("z2", "0", Pending),
            Voter("z3", "0", Blocked),
        ];

        var result = Quorum.Evaluate(Rule(2, 3, strict: true, QuorumWeighting.Count), voters);

        Assert.Equal(new BigInteger(6), result.TotalWeight);
        Assert.Equal(new BigInteger(2), result.ReadyWeight);
        Assert.Equal(new BigInteger(5), result.RequiredWeight);
        Assert.Equal(new BigInteger(3), result.Needed);
        Assert.Equal(["c", "b", "z2"], result.SmallestClosingSet.Select(v => v.Key));
    }

    [Theory]
    [InlineData(2, 3, true)]
    [InlineData(2, 3, false)]
    [InlineData(1, 1, false)]
    [InlineData(1, 1_000_000, false)]
    public void AllZeroStakeNeverReaches(int n, int d, bool strict)
    {
        QuorumVoter[] voters =
        [
            Voter("a", "0", Ready),
            Voter("b", "0", Ready),
            Voter("c", "0", Pending),
            Voter("d", "0", Blocked),
        ];

        var result = Quorum.Evaluate(Rule(n, d, strict), voters);

        Assert.Equal(BigInteger.Zero, result.TotalWeight);
        Assert.Equal(BigInteger.One, result.RequiredWeight);
        Assert.False(result.Reached);
        Assert.Equal(BigInteger.One, result.Needed);
        Assert.False(result.Reachable);
        Assert.Empty(result.SmallestClosingSet);
        Assert.Equal(4, result.Counts.Total);
        Assert.Equal(2, result.Counts.Ready);
    }

    [Theory]
    [InlineData(ValidatorState.Pending)]
    [InlineData(ValidatorState.Acknowledged)]
    [InlineData(ValidatorState.Downloading)]
    [InlineData(ValidatorState.Upgraded)]
    [InlineData(ValidatorState.Ready)]
    [InlineData(ValidatorState.Blocked)]
    public void OneValidatorHoldingAllStakeDecidesAlone(ValidatorState whaleState)
    {
        QuorumVoter[] voters =
        [
            Voter("whale", "1000000000000000000000000000000", whaleState),
            Voter("minnow1", "0", Ready),
            Voter("minnow2", "0", Ready),
        ];

        foreach (var rule in new[] { QuorumRule.TwoThirdsOfStake, Rule(2, 3, false), Rule(1, 1, false), Rule(1, 1_000_000, true) })
        {
            var result = Quorum.Evaluate(rule, voters);

            Assert.Equal(whaleState == Ready, result.Reached);
            Assert.True(result.Reachable);
            Assert.Equal(whaleState == Ready ? 0 : 1, result.SmallestClosingSet.Count);
            Assert.All(result.SmallestClosingSet, v => Assert.Equal("whale", v.Key));
        }
    }

    [Theory]
    [InlineData(QuorumWeighting.Stake, true)]
    [InlineData(QuorumWeighting.Stake, false)]
    [InlineData(QuorumWeighting.Count, true)]
    [InlineData(QuorumWeighting.Count, false)]
    public void EmptySetNeverReaches(QuorumWeighting weighting, bool strict)
    {
        var result = Quorum.Evaluate(Rule(2, 3, strict, weighting), []);

        Assert.False(result.Reached);
        Assert.Equal(BigInteger.One, result.Needed);
        Assert.Equal(BigInteger.One, result.RequiredWeight);
        Assert.False(result.Reachable);
        Assert.Equal(0, result.Counts.Total);
        Assert.Equal(new StateCounts(0, 0, 0, 0, 0, 0, 0), result.Counts);
        Assert.Equal(BigInteger.Zero, result.TotalWeight);
        Assert.Empty(result.SmallestClosingSet);
    }

    // ---- Progress sums ----

    [Fact]
    public void ProgressSumsFollowTheStates()
    {
        QuorumVoter[] voters =
        [
            Voter("p", "1", Pending),
            Voter("a", "10", Acknowledged),
            Voter("d", "100", Downloading),
            Voter("u", "1000", Upgraded),
            Voter("r", "10000", Ready),
            Voter("b", "100000", Blocked),
        ];

        var byStake = Quorum.Evaluate(QuorumRule.TwoThirdsOfStake, voters);

        Assert.Equal(new BigInteger(111_111), byStake.TotalWeight);
        Assert.Equal(new BigInteger(10_000), byStake.ReadyWeight);
        Assert.Equal(new BigInteger(11_000), byStake.UpgradedWeight);
        Assert.Equal(new BigInteger(111_110), byStake.AcknowledgedWeight);
        Assert.Equal(new BigInteger(74_075), byStake.RequiredWeight);
        Assert.Equal(new BigInteger(64_075), byStake.Needed);
        Assert.Equal(new StateCounts(6, 1, 1, 1, 1, 1, 1), byStake.Counts);
        Assert.Equal(["b"], byStake.SmallestClosingSet.Select(v => v.Key));

        var byCount = Quorum.Evaluate(Rule(2, 3, strict: true, QuorumWeighting.Count), voters);

        Assert.Equal(new BigInteger(6), byCount.TotalWeight);
        Assert.Equal(new BigInteger(1), byCount.ReadyWeight);
        Assert.Equal(new BigInteger(2), byCount.UpgradedWeight);
        Assert.Equal(new BigInteger(5), byCount.AcknowledgedWeight);
        Assert.Equal(new BigInteger(5), byCount.RequiredWeight);
        Assert.Equal(new BigInteger(4), byCount.Needed);
        Assert.Equal(["u", "d", "a", "p"], byCount.SmallestClosingSet.Select(v => v.Key));
    }

    [Fact]
    public void QuorumDocumentFigure()
    {
        var voters = Uniform(100, (Pending, 3), (Acknowledged, 2), (Downloading, 1), (Upgraded, 1), (Ready, 17), (Blocked, 0));

        var result = Quorum.Evaluate(QuorumRule.TwoThirdsOfStake, voters);

        Assert.Equal(new StateCounts(Total: 24, Pending: 3, Acknowledged: 2, Downloading: 1, Upgraded: 1, Ready: 17, Blocked: 0), result.Counts);
        Assert.Equal(new BigInteger(2400), result.TotalWeight);
        Assert.Equal(new BigInteger(1700), result.ReadyWeight);
        Assert.Equal(new BigInteger(1800), result.UpgradedWeight);
        Assert.Equal(new BigInteger(2100), result.AcknowledgedWeight);
        Assert.Equal(new BigInteger(1601), result.RequiredWeight);
        Assert.True(result.Reached);
        Assert.True(result.Reachable);
        Assert.Equal(BigInteger.Zero, result.Needed);
        Assert.Empty(result.SmallestClosingSet);
        Assert.Same(QuorumRule.TwoThirdsOfStake, result.Rule);
    }

    [Fact]
    public void EvaluateRejectsNullArguments()
    {
        Assert.Throws<ArgumentNullException>(() => Quorum.Evaluate(null!, []));
        Assert.Throws<ArgumentNullException>(() => Quorum.Evaluate(QuorumRule.TwoThirdsOfStake, null!));
    }
}
