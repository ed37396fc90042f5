using System.Numerics;
using Portal.Domain;
using static Portal.Tests.Domain.VoterSets;

namespace Portal.Tests.Domain;

public sealed class ClosingSetTests
{
    private const ValidatorState Pending = ValidatorState.Pending;
    private const ValidatorState Acknowledged = ValidatorState.Acknowledged;
    private const ValidatorState Downloading = ValidatorState.Downloading;
    private const ValidatorState Upgraded = ValidatorState.Upgraded;
    private const ValidatorState Ready = ValidatorState.Ready;
    private const ValidatorState Blocked = ValidatorState.Blocked;

    private static string[] KeysOf(QuorumEvaluation result) => [.. result.SmallestClosingSet.Select(v => v.Key)];

    [Fact]
    public void HeaviestNotReadyValidatorsComeFirstWhateverTheirState()
    {
        QuorumVoter[] voters =
        [
            Voter("a", "500", Ready),
            Voter("b", "300", Pending),
            Voter("c", "100", Upgraded),
            Voter("d", "200", Downloading),
            Voter("e", "250", Blocked),
        ];

        // total 1350, strict 2/3 needs 901, ready 500: gap 401 → 300 + 250.
        var result = Quorum.Evaluate(QuorumRule.TwoThirdsOfStake, voters);

        Assert.Equal(new BigInteger(401), result.Needed);
        Assert.Equal(["b", "e"], KeysOf(result));
        Assert.All(result.SmallestClosingSet, v => Assert.NotEqual(Ready, v.State));
    }

    [Fact]
    public void ClosingSetCarriesTheVotersUnchanged()
    {
        QuorumVoter[] voters = [Voter("a", "10", Ready), Voter("b", "90", Downloading)];

        var result = Quorum.Evaluate(QuorumRule.TwoThirdsOfStake, voters);

        Assert.Equal([voters[1]], result.SmallestClosingSet);
    }

    [Fact]
    public void EqualWeightsAreOrderedByClosenessToReadyBeforeKey()
    {
        // Keys run against the expected order, so only the state can explain it.
        QuorumVoter[] voters =
        [
            Voter("a", "100", Blocked),
            Voter("b", "100", Pending),
            Voter("c", "100", Acknowledged),
            Voter("d", "100", Downloading),
            Voter("e", "100", Upgraded),
        ];

        // All of them are needed for "at least 1/1".
        Assert.Equal(["e", "d", "c", "b", "a"], KeysOf(Quorum.Evaluate(QuorumRule.Create(1, 1, strict: false, QuorumWeighting.Stake), voters)));

        // Strict 2/3 of 500 needs 334: four of them, blocked left out.
        Assert.Equal(["e", "d", "c", "b"], KeysOf(Quorum.Evaluate(QuorumRule.TwoThirdsOfStake, voters)));

        // By count the same order applies.
        Assert.Equal(["e", "d", "c", "b"], KeysOf(Quorum.Evaluate(QuorumRule.Create(2, 3, strict: true, QuorumWeighting.Count), voters)));
    }

    [Fact]
    public void WeightOutranksCloseness()
    {
        QuorumVoter[] voters =
        [
            Voter("close", "100", Upgraded),
            Voter("far", "101", Blocked),
            Voter("r", "100", Ready),
        ];

        // total 301, strict 2/3 → 201, ready 100, gap 101: the blocked 101 alone closes it.
        var result = Quorum.Evaluate(QuorumRule.TwoThirdsOfStake, voters);

        Assert.Equal(["far"], KeysOf(result));
    }

    [Fact]
    public void EqualWeightAndStateAreOrderedByOrdinalKey()
    {
        // Ordinal: "A" < "B" < "a" < "b" (a culture-aware sort would give a, A, b, B).
        QuorumVoter[] voters =
        [
            Voter("b", "100", Pending),
            Voter("a", "100", Pending),
            Voter("B", "100", Pending),
            Voter("A", "100", Pending),
        ];

        // total 400, strict 2/3 → 267: three validators.
        var result = Quorum.Evaluate(QuorumRule.TwoThirdsOfStake, voters);

        Assert.Equal(["A", "B", "a"], KeysOf(result));
    }

    [Fact]
    public void ZeroWeightValidatorsAreNeverProposed()
    {
        QuorumVoter[] voters =
        [
            Voter("a", "0", Upgraded),
            Voter("b", "0", Upgraded),
            Voter("c", "60", Pending),
            Voter("d", "40", Ready),
        ];

        var result = Quorum.Evaluate(QuorumRule.TwoThirdsOfStake, voters);

        Assert.Equal(["c"], KeysOf(result));
    }

    [Fact]
    public void EmptyWhenReached()
    {
        QuorumVoter[] voters =
        [
            Voter("a", "70", Ready),
            Voter("b", "20", Upgraded),
            Voter("c", "10", Pending),
        ];

        var result = Quorum.Evaluate(QuorumRule.TwoThirdsOfStake, voters);

        Assert.True(result.Reached);
        Assert.Empty(result.SmallestClosingSet);
    }

    [Fact]
    public void TurningTheClosingSetReadyReachesQuorum()
    {
        var voters = Uniform(100, (Ready, 5), (Pending, 10), (Blocked, 3), (Upgraded, 2));

        var before = Quorum.Evaluate(QuorumRule.TwoThirdsOfStake, voters);
        var closing = before.SmallestClosingSet.Select(v => v.Key).ToHashSet();
        var after = Quorum.Evaluate(QuorumRule.TwoThirdsOfStake, [.. voters.Select(v => closing.Contains(v.Key) ? v with { State = Ready } : v)]);

        // total 2000, need 1334, have 500: nine validators of 100, upgraded first, then pending by key.
        Assert.Equal(9, before.SmallestClosingSet.Count);
        Assert.Equal([Key(18), Key(19), Key(5), Key(6), Key(7), Key(8), Key(9), Key(10), Key(11)], KeysOf(before));
        Assert.True(after.Reached);
    }
}
