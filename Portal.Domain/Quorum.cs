using System.Numerics;

namespace Portal.Domain;

/// <summary>One validator as quorum sees it: its frozen stake and its current state.</summary>
public readonly record struct QuorumVoter(string Key, Stake Stake, ValidatorState State);

/// <summary>How many validators are in each state.</summary>
public sealed record StateCounts(int Total, int Pending, int Acknowledged, int Downloading, int Upgraded, int Ready, int Blocked);

/// <summary>
/// The outcome of <see cref="Quorum.Evaluate"/>. Weights are stake in base units, or validator counts when
/// the rule weighs by count. They are <see cref="BigInteger"/> because a sum of 2,000 stakes of 38 digits
/// exceeds <see cref="UInt128"/>.
/// </summary>
public sealed record QuorumEvaluation(
    QuorumRule Rule,
    BigInteger TotalWeight,
    BigInteger ReadyWeight,
    BigInteger UpgradedWeight,
    BigInteger AcknowledgedWeight,
    BigInteger RequiredWeight,
    StateCounts Counts,
    IReadOnlyList<QuorumVoter> SmallestClosingSet)
{
    /// <summary>Ready weight reaches the rule's threshold.</summary>
    public bool Reached => ReadyWeight >= RequiredWeight;

    /// <summary>The least additional ready weight that makes <see cref="Reached"/> true; zero once reached.</summary>
    public BigInteger Needed => Reached ? BigInteger.Zero : RequiredWeight - ReadyWeight;

    /// <summary>False when even every remaining validator turning ready would not be enough (an empty or all-zero set).</summary>
    public bool Reachable => Reached || SmallestClosingSet.Count > 0;
}

/// <summary>How many validators are in one state and the stake they hold (summed by the database).</summary>
public readonly record struct StateTotal(ValidatorState State, int Count, BigInteger Stake);

/// <summary>Stake-weighted quorum as a pure function of the frozen validator set, their states and the rule.</summary>
public static class Quorum
{
    /// <summary>
    /// The same figures from per-state totals, for callers that need the verdict but not who should be woken
    /// next: <see cref="QuorumEvaluation.SmallestClosingSet"/> is left empty (so is <c>Reachable</c> unless reached).
    /// </summary>
    public static QuorumEvaluation FromTotals(QuorumRule rule, IReadOnlyCollection<StateTotal> totals)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(totals);
        BigInteger Weight(Func<StateTotal, bool> which) =>
            totals.Where(which).Aggregate(BigInteger.Zero, (sum, t) => sum + (rule.Weighting == QuorumWeighting.Count ? t.Count : t.Stake));
        int CountOf(ValidatorState state) => totals.Where(t => t.State == state).Sum(t => t.Count);

        var total = Weight(_ => true);
        var counts = new StateCounts(totals.Sum(t => t.Count), CountOf(ValidatorState.Pending), CountOf(ValidatorState.Acknowledged),
            CountOf(ValidatorState.Downloading), CountOf(ValidatorState.Upgraded), CountOf(ValidatorState.Ready), CountOf(ValidatorState.Blocked));
        return new QuorumEvaluation(rule, total,
            Weight(t => t.State == ValidatorState.Ready),
            Weight(t => t.State is ValidatorState.Ready or ValidatorState.Upgraded),
            Weight(t => t.State != ValidatorState.Pending),
            RequiredWeight(rule, total), counts, []);
    }

    public static QuorumEvaluation Evaluate(QuorumRule rule, IReadOnlyCollection<QuorumVoter> voters)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(voters);

        BigInteger total = 0, ready = 0, upgraded = 0, acknowledged = 0;
        int pending = 0, acknowledgedCount = 0, downloading = 0, upgradedCount = 0, readyCount = 0, blocked = 0;
        foreach (var voter in voters)
        {
            var weight = WeightOf(rule, voter);
            total += weight;
            if (voter.State == ValidatorState.Ready) ready += weight;
            if (voter.State is ValidatorState.Ready or ValidatorState.Upgraded) upgraded += weight;
            if (voter.State != ValidatorState.Pending) acknowledged += weight;

            switch (voter.State)
            {
                case ValidatorState.Pending: pending++; break;
                case ValidatorState.Acknowledged: acknowledgedCount++; break;
                case ValidatorState.Downloading: downloading++; break;
                case ValidatorState.Upgraded: upgradedCount++; break;
                case ValidatorState.Ready: readyCount++; break;
                case ValidatorState.Blocked: blocked++; break;
            }
        }

        var required = RequiredWeight(rule, total);
        var counts = new StateCounts(voters.Count, pending, acknowledgedCount, downloading, upgradedCount, readyCount, blocked);
        var closing = ready >= required ? [] : SmallestClosingSet(rule, voters, required - ready);
        return new QuorumEvaluation(rule, total, ready, upgraded, acknowledged, required, counts, closing);
    }

    /// <summary>
    /// The least ready weight R with <c>R·d &gt; T·n</c> (strict) or <c>R·d ≥ T·n</c> (inclusive), found by
    /// cross-multiplying in integers: strict gives ⌊T·n/d⌋ + 1, inclusive gives ⌈T·n/d⌉. An inclusive rule
    /// over zero total weight would be "reached" by nobody, so the least is one unit: an empty or all-zero
    /// set never reaches quorum.
    /// </summary>
    public static BigInteger RequiredWeight(QuorumRule rule, BigInteger totalWeight)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var product = totalWeight * rule.Numerator;
        var quotient = BigInteger.DivRem(product, rule.Denominator, out var remainder);
        var required = rule.Strict ? quotient + 1 : quotient + (remainder.IsZero ? 0 : 1);
        return BigInteger.Max(required, BigInteger.One);
    }

    /// <summary>
    /// The summed weight of some validators by the rule's weighting (stake, or one each): the arithmetic of ready
    /// weight, for other groups such as those seen voting on chain.
    /// </summary>
    public static BigInteger WeightOf(QuorumRule rule, IEnumerable<QuorumVoter> voters)
    {
        ArgumentNullException.ThrowIfNull(voters);
        return voters.Aggregate(BigInteger.Zero, (sum, voter) => sum + WeightOf(rule, voter));
    }

    public static BigInteger WeightOf(QuorumRule rule, QuorumVoter voter)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return rule.Weighting == QuorumWeighting.Count ? BigInteger.One : (BigInteger)voter.Stake.Value;
    }

    /// <summary>
    /// The fewest not-ready validators whose weight closes <paramref name="gap"/>: taking the heaviest first is
    /// optimal in count (any k validators weigh at most the k heaviest). Among equal weights, those closest to
    /// ready come first (upgraded, downloading, acknowledged, pending, blocked), then by key, so the answer is
    /// stable and points the commander at the cheapest wake-ups. Empty when the gap cannot be closed.
    /// </summary>
    private static IReadOnlyList<QuorumVoter> SmallestClosingSet(QuorumRule rule, IEnumerable<QuorumVoter> voters, BigInteger gap) =>
        SmallestClosingSet(rule, voters, gap, preferred: null, soonest: null);

    /// <summary>
    /// As the smallest closing set, but among all sets of that (least) size, one with as many
    /// <paramref name="preferred"/> validators as possible (those awake now, for the forecast). For a given
    /// number j of preferred members the heaviest set is the j heaviest preferred plus the heaviest others, so
    /// trying j from the most down finds it exactly. <paramref name="soonest"/> orders validators of equal weight
    /// before closeness (the forecast puts those who wake first first). Without a preference this is the plain
    /// smallest closing set. Empty when the gap cannot be closed or is already closed.
    /// </summary>
    public static IReadOnlyList<QuorumVoter> SmallestClosingSet(
        QuorumRule rule, IEnumerable<QuorumVoter> voters, BigInteger gap, Func<QuorumVoter, bool>? preferred, Func<QuorumVoter, long>? soonest)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(voters);
        if (gap <= 0)
        {
            return [];
        }

        var candidates = voters
            .Where(v => v.State != ValidatorState.Ready && WeightOf(rule, v) > 0)
            .OrderByDescending(v => WeightOf(rule, v))
            .ThenBy(v => soonest?.Invoke(v) ?? 0)
            .ThenBy(v => Closeness(v.State))
            .ThenBy(v => v.Key, StringComparer.Ordinal)
            .ToList();

        // The least count: heaviest first.
        var size = 0;
        BigInteger gathered = 0;
        while (size < candidates.Count && gathered < gap)
        {
            gathered += WeightOf(rule, candidates[size++]);
        }

        if (gathered < gap)
        {
            return [];
        }

        if (preferred is null)
        {
            return [.. candidates.Take(size)];
        }

        var first = candidates.Where(preferred).ToList();
        var others = candidates.Where(v => !preferred(v)).ToList();
        for (var j = Math.Min(size, first.Count); j >= 0; j--)
        {
            if (size - j > others.Count)
            {
                continue;
            }

            var chosen = first.Take(j).Concat(others.Take(size - j)).ToList();
            if (WeightOf(rule, chosen) >= gap)
            {
                return chosen;
            }
        }

        // Unreachable: j = the preferred among the heaviest `size` always closes the gap.
        return [.. candidates.Take(size)];
    }

    private static int Closeness(ValidatorState state) => state switch
    {
        ValidatorState.Upgraded => 0,
        ValidatorState.Downloading => 1,
        ValidatorState.Acknowledged => 2,
        ValidatorState.Pending => 3,
        _ => 4,
    };
}
