using Portal.Domain;

namespace Portal.Tests.Domain;

public sealed class ValidatorTransitionTests
{
    private const ValidatorState P = ValidatorState.Pending;
    private const ValidatorState A = ValidatorState.Acknowledged;
    private const ValidatorState D = ValidatorState.Downloading;
    private const ValidatorState U = ValidatorState.Upgraded;
    private const ValidatorState R = ValidatorState.Ready;
    private const ValidatorState B = ValidatorState.Blocked;

    private static readonly ValidatorState[] Order = [P, A, D, U, R, B];

    /// <summary>
    /// The whole table, written out. Rows are "from", columns are "to" in the order
    /// pending, acknowledged, downloading, upgraded, ready, blocked. 'x' = allowed, '.' = illegal.
    /// </summary>
    private static readonly string[] Matrix =
    [
        //          P A D U R B
        /* P */    ". x x x x x",
        /* A */    ". x x x x x",
        /* D */    ". . x x x x",
        /* U */    ". . . x x x",
        /* R */    ". . . x x x",
        /* B */    ". x x x x x",
    ];

    private static bool Expected(ValidatorState from, ValidatorState to) =>
        Matrix[Array.IndexOf(Order, from)].Split(' ')[Array.IndexOf(Order, to)] switch
        {
            "x" => true,
            "." => false,
            var cell => throw new InvalidOperationException($"Bad matrix cell '{cell}'."),
        };

    public static TheoryData<ValidatorState, ValidatorState, bool> AllPairs()
    {
        var data = new TheoryData<ValidatorState, ValidatorState, bool>();
        foreach (var from in Order)
        {
            foreach (var to in Order)
            {
                data.Add(from, to, Expected(from, to));
            }
        }

        return data;
    }

    [Fact]
    public void TheMatrixCoversEveryStateExactlyOnce()
    {
        Assert.Equal(Enum.GetValues<ValidatorState>().OrderBy(s => s), Order.OrderBy(s => s));
        Assert.Equal(36, AllPairs().Count);
        Assert.Equal(25, AllPairs().Count(row => (bool)row[2]));
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void IsAllowedMatchesTheMatrix(ValidatorState from, ValidatorState to, bool allowed)
    {
        Assert.Equal(allowed, ValidatorTransitions.IsAllowed(from, to));
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void EnsureAllowedMatchesTheMatrix(ValidatorState from, ValidatorState to, bool allowed)
    {
        if (allowed)
        {
            ValidatorTransitions.EnsureAllowed(from, to);
            return;
        }

        var ex = Assert.Throws<IllegalTransitionException>(() => ValidatorTransitions.EnsureAllowed(from, to));
        Assert.IsAssignableFrom<DomainException>(ex);
        Assert.Contains(ValidatorTransitions.Name(to), ex.Message, StringComparison.Ordinal);
        if (to != ValidatorState.Pending)
        {
            Assert.Contains($"{ValidatorTransitions.Name(from)} cannot go back to {ValidatorTransitions.Name(to)}", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(ValidatorState.Downloading, ValidatorState.Acknowledged,
        "A validator that is downloading cannot go back to acknowledged; allowed next: downloading, upgraded, ready, blocked.")]
    [InlineData(ValidatorState.Ready, ValidatorState.Downloading,
        "A validator that is ready cannot go back to downloading; allowed next: ready, upgraded, blocked.")]
    [InlineData(ValidatorState.Upgraded, ValidatorState.Acknowledged,
        "A validator that is upgraded cannot go back to acknowledged; allowed next: upgraded, ready, blocked.")]
    [InlineData(ValidatorState.Ready, ValidatorState.Pending,
        "A validator cannot be reported as pending; only a newer hotfix resets validators to pending.")]
    [InlineData(ValidatorState.Pending, ValidatorState.Pending,
        "A validator cannot be reported as pending; only a newer hotfix resets validators to pending.")]
    public void EnsureAllowedExplainsTheRefusal(ValidatorState from, ValidatorState to, string message)
    {
        var ex = Assert.Throws<IllegalTransitionException>(() => ValidatorTransitions.EnsureAllowed(from, to));
        Assert.Equal(message, ex.Message);
    }

    [Theory]
    [InlineData(ValidatorState.Pending)]
    [InlineData(ValidatorState.Acknowledged)]
    [InlineData(ValidatorState.Downloading)]
    [InlineData(ValidatorState.Upgraded)]
    [InlineData(ValidatorState.Ready)]
    [InlineData(ValidatorState.Blocked)]
    public void AllowedFromListsExactlyTheMatrixRow(ValidatorState from)
    {
        var expected = Order.Where(to => Expected(from, to)).OrderBy(s => s);

        var actual = ValidatorTransitions.AllowedFrom(from);

        Assert.Equal(expected, actual.OrderBy(s => s));
        Assert.Equal(actual.Count, actual.Distinct().Count());
    }

    [Theory]
    [InlineData(ValidatorState.Pending, false)]
    [InlineData(ValidatorState.Acknowledged, false)]
    [InlineData(ValidatorState.Downloading, true)]
    [InlineData(ValidatorState.Upgraded, true)]
    [InlineData(ValidatorState.Ready, true)]
    [InlineData(ValidatorState.Blocked, false)]
    public void ResetForNewReleaseOnlyForStatesPastAcknowledged(ValidatorState current, bool resets)
    {
        Assert.Equal(resets, ValidatorTransitions.ResetForNewRelease(current));
    }

    [Theory]
    [InlineData(ValidatorState.Pending, "pending")]
    [InlineData(ValidatorState.Acknowledged, "acknowledged")]
    [InlineData(ValidatorState.Downloading, "downloading")]
    [InlineData(ValidatorState.Upgraded, "upgraded")]
    [InlineData(ValidatorState.Ready, "ready")]
    [InlineData(ValidatorState.Blocked, "blocked")]
    public void WireNamesAreLowercase(ValidatorState state, string name)
    {
        Assert.Equal(name, ValidatorTransitions.Name(state));
    }
}
