using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Incidents;

namespace Portal.Tests.Web.Api;

/// <summary>
/// A feature plugs into the status report write path by registering an <see cref="IStatusReportObserver"/>: it runs
/// after each batch in which a report was applied, inside the incident's change (what it records commits with the
/// report), and never for a refused or replayed report. Paging, registered the same way, still answers pages.
/// </summary>
public sealed class StatusReportObserverTests(StatusReportObserverTests.ObservedPortal portal) : IClassFixture<StatusReportObserverTests.ObservedPortal>
{
    public const string Kind = "test-observed";

    public sealed class ObservedPortal : PortalFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddScoped<IStatusReportObserver, TimelineNote>());
        }
    }

    /// <summary>Notes each batch it is shown on the incident's timeline, through the change it was handed.</summary>
    private sealed class TimelineNote : IStatusReportObserver
    {
        public Task AfterApplyAsync(IncidentChange change, IReadOnlyList<ReportCommand> applied, CancellationToken cancellationToken = default)
        {
            change.Record(Kind, "observed " + string.Join(", ", applied.Select(c => $"{c.Key}:{c.State}")), "test");
            return Task.CompletedTask;
        }
    }

    private static async Task<string[]> NotesAsync(ApiScenario scenario) =>
        [.. (await scenario.TimelineAsync()).Where(e => e.GetProperty("kind").GetString() == Kind).Select(e => e.GetProperty("summary").GetString()!)];

    [Fact]
    public async Task An_applied_report_is_shown_to_every_registered_observer_inside_its_change()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);
        var revision = await scenario.RevisionAsync();

        await Api.OkAsync(await scenario.ReportAsync(scenario.Admin, 1, "acknowledged"));

        Assert.Equal([$"observed {scenario.Keys[1]}:Acknowledged"], await NotesAsync(scenario));
        // One change: the report and the observer's entry moved the incident on by one revision together.
        Assert.Equal(revision + 1, await scenario.RevisionAsync());
    }

    [Fact]
    public async Task A_refused_or_replayed_report_is_not_shown_to_observers()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);
        await Api.ProblemAsync(await scenario.ReportAsync(scenario.Admin, 0, "blocked"), HttpStatusCode.BadRequest, "note");
        Assert.Empty(await NotesAsync(scenario));

        await Api.OkAsync(await scenario.ReportAsync(scenario.Admin, 0, "downloading", idempotencyKey: "observed-once"));
        await Api.OkAsync(await scenario.ReportAsync(scenario.Admin, 0, "downloading", idempotencyKey: "observed-once"));

        Assert.Equal([$"observed {scenario.Keys[0]}:Downloading"], await NotesAsync(scenario));
    }
}
