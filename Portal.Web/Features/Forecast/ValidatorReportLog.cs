using Portal.Data.Reports;
using Portal.Domain;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Forecast;

/// <summary>
/// Keeps each applied status report as a row (validator_reports) beside its timeline entry, in the same change:
/// the postmortem reads these by validator id, so a validator renamed after reporting is still found.
/// </summary>
internal static class ValidatorReportLog
{
    /// <param name="actor">The actor written on the timeline entry for this report.</param>
    public static void Add(IncidentChange change, StatusReport report, string actor)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(report);
        change.Db.ValidatorReports.Add(new ValidatorReport
        {
            IncidentId = change.Incident.Id,
            ValidatorId = report.ValidatorId,
            // As the timeline entry stores it (PostgreSQL keeps microseconds), so both say the same instant.
            At = new DateTimeOffset(change.Now.UtcTicks - (change.Now.UtcTicks % 10), TimeSpan.Zero),
            FromState = report.From,
            ToState = report.To,
            Version = report.Version,
            Actor = Text.Truncate(actor, TimelineEvent.ActorMax),
        });
    }
}
