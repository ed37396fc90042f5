namespace Portal.Web.Features.Incidents;

/// <summary>
/// A step after a batch of status reports is applied, inside the same incident change (under its lock, in its
/// transaction): what it adds commits with the reports or not at all. Features plug in by registering one
/// (<c>services.AddScoped&lt;IStatusReportObserver, T&gt;()</c>); the status report lane runs every registered
/// observer, in the order registered, so the write path itself names none of them.
/// </summary>
public interface IStatusReportObserver
{
    /// <summary>
    /// Called once per batch in which at least one report was applied. <paramref name="applied"/> holds those
    /// reports in the batch's order (a report that changed nothing is applied too; replayed and refused ones are not).
    /// </summary>
    Task AfterApplyAsync(IncidentChange change, IReadOnlyList<ReportCommand> applied, CancellationToken cancellationToken = default);
}
