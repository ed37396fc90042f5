namespace Portal.Domain;

/// <summary>What one validator weighs toward quorum.</summary>
public enum QuorumWeighting
{
    /// <summary>By the stake frozen in the incident's validator-set snapshot.</summary>
    Stake,

    /// <summary>One validator, one vote (CyberMiles: 17 of 24).</summary>
    Count,
}

/// <summary>
/// The chain's rule for resuming: the ready weight must exceed (<see cref="Strict"/>) or reach
/// <see cref="Numerator"/>/<see cref="Denominator"/> of the total. CometBFT's "+2/3" is 2/3 strict by stake.
/// </summary>
public sealed record QuorumRule
{
    /// <summary>Bound for both terms; keeps products with 38-digit stakes comfortably exact and the form sane.</summary>
    public const int MaxTerm = 1_000_000;

    private QuorumRule(int numerator, int denominator, bool strict, QuorumWeighting weighting)
    {
        Numerator = numerator;
        Denominator = denominator;
        Strict = strict;
        Weighting = weighting;
    }

    public int Numerator { get; }
    public int Denominator { get; }
    public bool Strict { get; }
    public QuorumWeighting Weighting { get; }

    /// <summary>More than two thirds of the stake: the rule of Tendermint/CometBFT chains.</summary>
    public static QuorumRule TwoThirdsOfStake { get; } = new(2, 3, strict: true, QuorumWeighting.Stake);

    public static QuorumRule Create(int numerator, int denominator, bool strict, QuorumWeighting weighting)
    {
        if (denominator is < 1 or > MaxTerm)
        {
            throw new DomainException($"The quorum denominator must be between 1 and {MaxTerm}.");
        }

        if (numerator < 1 || numerator > denominator)
        {
            throw new DomainException("The quorum numerator must be between 1 and the denominator.");
        }

        if (strict && numerator == denominator)
        {
            throw new DomainException("A strict quorum of the whole set (more than 100%) can never be reached; use strict: false.");
        }

        if (!Enum.IsDefined(weighting))
        {
            throw new DomainException("The quorum weighting must be 'stake' or 'count'.");
        }

        return new QuorumRule(numerator, denominator, strict, weighting);
    }

    /// <summary>"more than 2/3 of stake", "at least 29/43 of validators".</summary>
    public override string ToString() =>
        $"{(Strict ? "more than" : "at least")} {Numerator}/{Denominator} of {(Weighting == QuorumWeighting.Stake ? "stake" : "validators")}";
}
