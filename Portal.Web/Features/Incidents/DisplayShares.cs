using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using Portal.Domain;

namespace Portal.Web.Features.Incidents;

/// <summary>
/// The percentages the incident's pages and fragments show (hundredths of a percent, rounded down: display
/// only, every figure beside them is exact), computed once per evaluation of quorum rather than in each
/// component on each render: the panel, the console panel, the missing-validators list and every row read
/// them from here, and the signed-in and public renderings of one pass share them
/// (<see cref="IncidentView.ForPublic"/> keeps the same evaluation). A row's share is worked out the first
/// time it is asked for, then kept for the other renderings of that view.
/// </summary>
public sealed class DisplayShares
{
    private static readonly ConditionalWeakTable<QuorumEvaluation, DisplayShares> ByEvaluation = [];

    private readonly BigInteger _total;
    private readonly ConcurrentDictionary<Guid, string> _rows = new();
    private (BigInteger Weight, string Share)? _seenVoting;

    private DisplayShares(QuorumEvaluation quorum)
    {
        _total = quorum.TotalWeight;
        Ready = ValidatorLine.Percent(quorum.ReadyWeight, _total);
        Required = ValidatorLine.Percent(quorum.RequiredWeight, _total);
        Upgraded = ValidatorLine.Percent(quorum.UpgradedWeight, _total);
        Acknowledged = ValidatorLine.Percent(quorum.AcknowledgedWeight, _total);
    }

    /// <summary>The shares of this evaluation: made on first use, then the same object for every reader of it.</summary>
    public static DisplayShares Of(QuorumEvaluation quorum)
    {
        ArgumentNullException.ThrowIfNull(quorum);
        return ByEvaluation.GetValue(quorum, static q => new DisplayShares(q));
    }

    /// <summary>Ready weight over the total.</summary>
    public string Ready { get; }

    /// <summary>The rule's threshold over the total (where the line is drawn).</summary>
    public string Required { get; }

    /// <summary>Upgraded or ready weight over the total.</summary>
    public string Upgraded { get; }

    /// <summary>Weight of every validator heard from (any state but pending) over the total.</summary>
    public string Acknowledged { get; }

    /// <summary>One validator's stake over the total.</summary>
    public string Row(ValidatorLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return _rows.GetOrAdd(line.ValidatorId, static (_, state) => ValidatorLine.Percent(state.Stake, state.Total), (Stake: line.Stake.Value, Total: _total));
    }

    /// <summary>The weight seen voting on chain over the total (a view's chain marks, so asked with the weight).</summary>
    public string SeenVoting(BigInteger weight)
    {
        if (_seenVoting is { } kept && kept.Weight == weight)
        {
            return kept.Share;
        }

        var share = ValidatorLine.Percent(weight, _total);
        _seenVoting = (weight, share);
        return share;
    }
}
