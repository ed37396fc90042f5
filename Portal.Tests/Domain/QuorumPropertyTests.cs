using System.Globalization;
using System.Numerics;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Portal.Domain;

namespace Portal.Tests.Domain;

/// <summary>
/// Properties of <see cref="Quorum.Evaluate"/> over random validator sets (mixed states, stakes of 0 to 38 digits
/// with many ties, both weightings, strict and inclusive, random n/d), checked against an independent
/// <see cref="BigInteger"/> oracle. FsCheck prints the failing case and the seed to replay it.
/// </summary>
public sealed class QuorumPropertyTests
{
    private const int Runs = 1_000;

    /// <summary>A random validator set with its rule; printed in full when a property fails.</summary>
    public sealed record Scenario(QuorumRule Rule, QuorumVoter[] Voters)
    {
        public override string ToString()
        {
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"{Rule} ({Rule.Numerator}/{Rule.Denominator}, strict={Rule.Strict}) over {Voters.Length}: ");
            text.AppendJoin("; ", Voters.Select(v => $"{v.Key}={v.Stake}:{ValidatorTransitions.Name(v.State)}"));
            return text.ToString();
        }
    }

    private static readonly Gen<Stake> StakeGen = Gen.Frequency(
        (3, Gen.Choose(0, 3).Select(n => Stake.FromUnits((UInt128)n))),
        (2, Gen.Elements(Stake.Zero, Stake.Parse("1000000000000000000"), Stake.FromUnits(Stake.MaxValue))),
        (5, Gen.Choose(1, Stake.MaxDigits)
            .SelectMany(digits => Gen.ArrayOf(Gen.Choose(0, 9), digits))
            .Select(ds => Stake.Parse(string.Concat(ds.Select(d => (char)('0' + d)))))));

    private static readonly Gen<ValidatorState> StateGen = Gen.Elements(Enum.GetValues<ValidatorState>());

    private static readonly Gen<QuorumRule> RuleGen =
        from denominator in Gen.Frequency(
            (6, Gen.Choose(1, 10)),
            (3, Gen.Choose(1, 1_000)),
            (1, Gen.Choose(1, QuorumRule.MaxTerm)))
        from numerator in Gen.Choose(1, denominator)
        from strict in Gen.Elements(true, false)
        from weighting in Gen.Elements(QuorumWeighting.Stake, QuorumWeighting.Count)
        select QuorumRule.Create(numerator, denominator, strict && numerator < denominator, weighting);

    private static readonly Gen<Scenario> ScenarioGen =
        from rule in RuleGen
        from count in Gen.Frequency((1, Gen.Constant(0)), (8, Gen.Choose(1, 12)), (3, Gen.Choose(13, 60)))
        from members in Gen.ArrayOf(Gen.Zip(StakeGen, StateGen), count)
        select new Scenario(rule, [.. members.Select((m, i) => new QuorumVoter(VoterSets.Key(i), m.Item1, m.Item2))]);

    private static readonly Arbitrary<Scenario> Scenarios = Arb.From(ScenarioGen);

    private static readonly Config Checked = Config.QuickThrowOnFailure.WithMaxTest(Runs);

    private static BigInteger Weight(QuorumRule rule, QuorumVoter voter) =>
        rule.Weighting == QuorumWeighting.Count ? BigInteger.One : (BigInteger)voter.Stake.Value;

    /// <summary>The rule's inequality, by cross-multiplication, with an empty or zero-weight set never reaching.</summary>
    private static bool Meets(QuorumRule rule, BigInteger ready, BigInteger total) =>
        !total.IsZero && (rule.Strict ? ready * rule.Denominator > total * rule.Numerator : ready * rule.Denominator >= total * rule.Numerator);

    private static void Check(Action<Scenario> property) => FsCheck.Check.One(Checked, Prop.ForAll(Scenarios, property));

    [Fact]
    public void SumsAndCountsMatchAnIndependentTally()
    {
        Check(s =>
        {
            var result = Quorum.Evaluate(s.Rule, s.Voters);

            Assert.Equal(s.Voters.Aggregate(BigInteger.Zero, (sum, v) => sum + Weight(s.Rule, v)), result.TotalWeight);
            Assert.Equal(s.Voters.Where(v => v.State == ValidatorState.Ready).Aggregate(BigInteger.Zero, (sum, v) => sum + Weight(s.Rule, v)), result.ReadyWeight);
            Assert.Equal(s.Voters.Where(v => v.State is ValidatorState.Ready or ValidatorState.Upgraded).Aggregate(BigInteger.Zero, (sum, v) => sum + Weight(s.Rule, v)), result.UpgradedWeight);
            Assert.Equal(s.Voters.Where(v => v.State != ValidatorState.Pending).Aggregate(BigInteger.Zero, (sum, v) => sum + Weight(s.Rule, v)), result.AcknowledgedWeight);
            Assert.True(result.ReadyWeight <= result.UpgradedWeight && result.UpgradedWeight <= result.AcknowledgedWeight && result.AcknowledgedWeight <= result.TotalWeight);

            var c = result.Counts;
            Assert.Equal(s.Voters.Length, c.Total);
            Assert.Equal(c.Total, c.Pending + c.Acknowledged + c.Downloading + c.Upgraded + c.Ready + c.Blocked);
            Assert.Equal(s.Voters.Count(v => v.State == ValidatorState.Ready), c.Ready);
            Assert.Equal(s.Voters.Count(v => v.State == ValidatorState.Blocked), c.Blocked);
            Assert.Equal(s.Voters.Count(v => v.State == ValidatorState.Pending), c.Pending);
        });
    }

    /// <summary>
    /// The write path's shortcut (per-state counts and sums, as the database groups them) is the same rule: every
    /// figure of <see cref="Quorum.FromTotals"/> equals <see cref="Quorum.Evaluate"/>'s, only the closing set is left out.
    /// </summary>
    [Fact]
    public void FromTotalsGivesEveryFigureOfEvaluate()
    {
        Check(s =>
        {
            var totals = s.Voters.GroupBy(v => v.State)
                .Select(g => new StateTotal(g.Key, g.Count(), g.Aggregate(BigInteger.Zero, (sum, v) => sum + (BigInteger)v.Stake.Value)))
                .ToList();
            var full = Quorum.Evaluate(s.Rule, s.Voters);
            var shortcut = Quorum.FromTotals(s.Rule, totals);

            Assert.Equal(
                (full.Rule, full.TotalWeight, full.ReadyWeight, full.UpgradedWeight, full.AcknowledgedWeight, full.RequiredWeight, full.Counts, full.Reached, full.Needed),
                (shortcut.Rule, shortcut.TotalWeight, shortcut.ReadyWeight, shortcut.UpgradedWeight, shortcut.AcknowledgedWeight, shortcut.RequiredWeight, shortcut.Counts, shortcut.Reached, shortcut.Needed));
        });
    }

    [Fact]
    public void ReachedExactlyWhenTheInequalityHoldsAndExactlyWhenNothingIsNeeded()
    {
        Check(s =>
        {
            var result = Quorum.Evaluate(s.Rule, s.Voters);

            Assert.Equal(Meets(s.Rule, result.ReadyWeight, result.TotalWeight), result.Reached);
            Assert.Equal(result.Reached, result.Needed.IsZero);
            Assert.True(result.Needed.Sign >= 0);
            Assert.Equal(result.Reached ? BigInteger.Zero : result.RequiredWeight - result.ReadyWeight, result.Needed);
            Assert.Equal(result.TotalWeight > 0, result.Reachable);
        });
    }

    [Fact]
    public void RequiredWeightIsTheLeastWeightMeetingTheRule()
    {
        Check(s =>
        {
            var result = Quorum.Evaluate(s.Rule, s.Voters);
            var total = result.TotalWeight;
            var required = Quorum.RequiredWeight(s.Rule, total);

            Assert.Equal(required, result.RequiredWeight);
            Assert.True(required >= 1);
            if (total.IsZero)
            {
                Assert.Equal(BigInteger.One, required);
                return;
            }

            Assert.True(required <= total, "a non-empty set can always reach its own rule");
            Assert.True(Meets(s.Rule, required, total), $"{required} should meet {s.Rule} of {total}");
            Assert.False(Meets(s.Rule, required - 1, total), $"{required - 1} should not meet {s.Rule} of {total}");

            // Needed is exactly the missing weight at the same total.
            Assert.True(Meets(s.Rule, result.ReadyWeight + result.Needed, total));
            if (!result.Reached)
            {
                Assert.False(Meets(s.Rule, result.ReadyWeight + result.Needed - 1, total));
            }
        });
    }

    [Fact]
    public void SmallestClosingSetClosesTheGapWithTheFewestValidators()
    {
        Check(s =>
        {
            var result = Quorum.Evaluate(s.Rule, s.Voters);
            var closing = result.SmallestClosingSet;

            if (result.Reached || result.TotalWeight.IsZero)
            {
                Assert.Empty(closing);
                return;
            }

            Assert.NotEmpty(closing);
            Assert.All(closing, v => Assert.NotEqual(ValidatorState.Ready, v.State));
            Assert.All(closing, v => Assert.True(Weight(s.Rule, v) > 0));
            Assert.Equal(closing.Count, closing.Select(v => v.Key).Distinct(StringComparer.Ordinal).Count());
            Assert.All(closing, v => Assert.Contains(v, s.Voters));

            var gap = result.Needed;
            var gathered = closing.Aggregate(BigInteger.Zero, (sum, v) => sum + Weight(s.Rule, v));
            Assert.True(gathered >= gap, $"closing set weighs {gathered}, gap is {gap}");

            // Minimality: even the k−1 heaviest not-ready validators fall short.
            var heaviest = s.Voters
                .Where(v => v.State != ValidatorState.Ready)
                .Select(v => Weight(s.Rule, v))
                .OrderByDescending(w => w)
                .Take(closing.Count - 1)
                .Aggregate(BigInteger.Zero, (sum, w) => sum + w);
            Assert.True(heaviest < gap, $"{closing.Count - 1} validators weighing {heaviest} already close a gap of {gap}");

            // Turning the closing set ready (same total) reaches quorum.
            var keys = closing.Select(v => v.Key).ToHashSet(StringComparer.Ordinal);
            var after = Quorum.Evaluate(s.Rule, [.. s.Voters.Select(v => keys.Contains(v.Key) ? v with { State = ValidatorState.Ready } : v)]);
            Assert.Equal(result.TotalWeight, after.TotalWeight);
            Assert.True(after.Reached);
        });
    }

    [Fact]
    public void ClosingSetIsOrderedByWeightThenClosenessThenKey()
    {
        static int Closeness(ValidatorState state) => state switch
        {
            ValidatorState.Upgraded => 0,
            ValidatorState.Downloading => 1,
            ValidatorState.Acknowledged => 2,
            ValidatorState.Pending => 3,
            ValidatorState.Blocked => 4,
            _ => throw new InvalidOperationException($"{state} cannot be in a closing set."),
        };

        Check(s =>
        {
            var result = Quorum.Evaluate(s.Rule, s.Voters);

            var expected = s.Voters
                .Where(v => v.State != ValidatorState.Ready && Weight(s.Rule, v) > 0)
                .OrderByDescending(v => Weight(s.Rule, v))
                .ThenBy(v => Closeness(v.State))
                .ThenBy(v => v.Key, StringComparer.Ordinal)
                .Take(result.SmallestClosingSet.Count);
            Assert.Equal(expected, result.SmallestClosingSet);
        });
    }

    [Fact]
    public void EvaluationDoesNotDependOnTheOrderOfTheSet()
    {
        Check(s =>
        {
            var forward = Quorum.Evaluate(s.Rule, s.Voters);
            var backward = Quorum.Evaluate(s.Rule, [.. s.Voters.Reverse()]);

            Assert.Equal(forward.TotalWeight, backward.TotalWeight);
            Assert.Equal(forward.ReadyWeight, backward.ReadyWeight);
            Assert.Equal(forward.Counts, backward.Counts);
            Assert.Equal(forward.Reached, backward.Reached);
            Assert.Equal(forward.SmallestClosingSet, backward.SmallestClosingSet);
        });
    }

    [Fact]
    public void MoreReadyNeverLosesQuorum()
    {
        Check(s =>
        {
            var before = Quorum.Evaluate(s.Rule, s.Voters);
            var index = Array.FindIndex(s.Voters, v => v.State != ValidatorState.Ready);
            if (index < 0)
            {
                return;
            }

            var voters = (QuorumVoter[])s.Voters.Clone();
            voters[index] = voters[index] with { State = ValidatorState.Ready };
            var after = Quorum.Evaluate(s.Rule, voters);

            Assert.True(after.Needed <= before.Needed);
            Assert.True(!before.Reached || after.Reached);
        });
    }

    [Fact]
    public void StakeTextRoundTripsForAnyDigitString()
    {
        var digitStrings = Gen.Choose(1, 45)
            .SelectMany(length => Gen.ArrayOf(Gen.Elements('0', '0', '1', '5', '9'), length))
            .Select(chars => new string(chars));

        FsCheck.Check.One(Checked, Prop.ForAll(Arb.From(digitStrings), text =>
        {
            var significant = text.TrimStart('0');
            var ok = Stake.TryParse(text, out var stake, out var error);

            Assert.Equal(significant.Length <= Stake.MaxDigits, ok);
            if (ok)
            {
                var canonical = significant.Length == 0 ? "0" : significant;
                Assert.Equal(canonical, stake.ToString());
                Assert.Equal(BigInteger.Parse(text, CultureInfo.InvariantCulture), (BigInteger)stake.Value);
            }
            else
            {
                Assert.Equal("Stake must have at most 38 digits.", error);
            }
        }));
    }
}
