using Portal.Domain;

namespace Portal.Tests.Domain;

public sealed class QuorumRuleTests
{
    [Theory]
    [InlineData(0, 3, true, "numerator must be between 1 and the denominator")]
    [InlineData(-1, 3, false, "numerator must be between 1 and the denominator")]
    [InlineData(int.MinValue, 3, false, "numerator must be between 1 and the denominator")]
    [InlineData(4, 3, false, "numerator must be between 1 and the denominator")]
    [InlineData(2, 0, true, "denominator must be between 1 and 1000000")]
    [InlineData(2, -3, true, "denominator must be between 1 and 1000000")]
    [InlineData(-2, -3, false, "denominator must be between 1 and 1000000")]
    [InlineData(1, 1_000_001, true, "denominator must be between 1 and 1000000")]
    [InlineData(3, 3, true, "can never be reached")]
    [InlineData(1, 1, true, "can never be reached")]
    public void CreateRejectsBadTerms(int numerator, int denominator, bool strict, string expectedFragment)
    {
        var ex = Assert.Throws<DomainException>(() => QuorumRule.Create(numerator, denominator, strict, QuorumWeighting.Stake));
        Assert.Contains(expectedFragment, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateRejectsUndefinedWeighting()
    {
        var ex = Assert.Throws<DomainException>(() => QuorumRule.Create(2, 3, true, (QuorumWeighting)7));
        Assert.Contains("'stake' or 'count'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, 3, true, QuorumWeighting.Stake)]
    [InlineData(2, 3, false, QuorumWeighting.Count)]
    [InlineData(3, 3, false, QuorumWeighting.Stake)]
    [InlineData(1, 1, false, QuorumWeighting.Count)]
    [InlineData(29, 43, false, QuorumWeighting.Count)]
    [InlineData(999_999, 1_000_000, true, QuorumWeighting.Stake)]
    [InlineData(1_000_000, 1_000_000, false, QuorumWeighting.Stake)]
    public void CreateAcceptsValidTerms(int numerator, int denominator, bool strict, QuorumWeighting weighting)
    {
        var rule = QuorumRule.Create(numerator, denominator, strict, weighting);

        Assert.Equal(numerator, rule.Numerator);
        Assert.Equal(denominator, rule.Denominator);
        Assert.Equal(strict, rule.Strict);
        Assert.Equal(weighting, rule.Weighting);
    }

    [Fact]
    public void TwoThirdsOfStakeIsStrictTwoThirdsByStake()
    {
        var rule = QuorumRule.TwoThirdsOfStake;

        Assert.Equal(2, rule.Numerator);
        Assert.Equal(3, rule.Denominator);
        Assert.True(rule.Strict);
        Assert.Equal(QuorumWeighting.Stake, rule.Weighting);
        Assert.Equal(QuorumRule.Create(2, 3, strict: true, QuorumWeighting.Stake), rule);
    }

    [Theory]
    [InlineData(2, 3, true, QuorumWeighting.Stake, "more than 2/3 of stake")]
    [InlineData(2, 3, false, QuorumWeighting.Stake, "at least 2/3 of stake")]
    [InlineData(29, 43, false, QuorumWeighting.Count, "at least 29/43 of validators")]
    [InlineData(2, 3, true, QuorumWeighting.Count, "more than 2/3 of validators")]
    [InlineData(1, 1, false, QuorumWeighting.Stake, "at least 1/1 of stake")]
    public void ToStringReadsAsARule(int numerator, int denominator, bool strict, QuorumWeighting weighting, string expected)
    {
        Assert.Equal(expected, QuorumRule.Create(numerator, denominator, strict, weighting).ToString());
    }
}
