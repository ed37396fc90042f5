using System.Globalization;
using Portal.Domain;

namespace Portal.Web.Features.Incidents;

public sealed record QuorumThreshold(int Numerator, int Denominator, bool Strict);

public sealed record ValidatorCounts(int Total, int Pending, int Acknowledged, int Downloading, int Upgraded, int Ready, int Blocked);

/// <summary>
/// The quorum document of API.md, sent by <c>GET …/quorum</c> and the hub's <c>quorum</c> message. Every
/// weight is a decimal string: stake never travels as a JSON number.
/// </summary>
public sealed record QuorumDocument(
    Guid IncidentId,
    long Revision,
    string Weighting,
    QuorumThreshold Threshold,
    string TotalStake,
    string ReadyStake,
    string UpgradedStake,
    string AcknowledgedStake,
    string StakeNeeded,
    bool Reached,
    ValidatorCounts Validators)
{
    public static QuorumDocument From(Incident incident, QuorumEvaluation quorum)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(quorum);
        var c = quorum.Counts;
        return new QuorumDocument(
            incident.Id,
            incident.Revision,
            quorum.Rule.Weighting == QuorumWeighting.Stake ? "stake" : "count",
            new QuorumThreshold(quorum.Rule.Numerator, quorum.Rule.Denominator, quorum.Rule.Strict),
            quorum.TotalWeight.ToString(CultureInfo.InvariantCulture),
            quorum.ReadyWeight.ToString(CultureInfo.InvariantCulture),
            quorum.UpgradedWeight.ToString(CultureInfo.InvariantCulture),
            quorum.AcknowledgedWeight.ToString(CultureInfo.InvariantCulture),
            quorum.Needed.ToString(CultureInfo.InvariantCulture),
            quorum.Reached,
            new ValidatorCounts(c.Total, c.Pending, c.Acknowledged, c.Downloading, c.Upgraded, c.Ready, c.Blocked));
    }
}
