using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web.Api;

/// <summary>POST /api/v1/incidents/{id}/status {status, reason?} per API.md v1.1 "Incident status".</summary>
public sealed class IncidentMoveApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static Task<HttpResponseMessage> MoveAsync(ApiScenario scenario, object body) =>
        scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/status"), Api.Json(body));

    [Theory]
    [InlineData("resumed")]
    [InlineData("closed")]
    public async Task Resuming_or_closing_before_quorum_without_a_reason_of_10_characters_is_409_and_changes_nothing(string status)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        await Api.OkAsync(await MoveAsync(scenario, new { status = "coordinating" }));
        var (revision, entries) = (await scenario.RevisionAsync(), await scenario.TimelineCountAsync());

        foreach (var body in new object[] { new { status }, new { status, reason = "   " }, new { status, reason = "too short" } })
        {
            var problem = await Api.ProblemAsync(await MoveAsync(scenario, body), HttpStatusCode.Conflict);
            Assert.Contains("at least 10 characters", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal("coordinating", (await scenario.IncidentAsync()).GetProperty("status").GetString());
        Assert.Equal(revision, await scenario.RevisionAsync());
        Assert.Equal(entries, await scenario.TimelineCountAsync());
    }

    [Fact]
    public async Task An_override_with_a_reason_moves_and_is_recorded_as_an_override()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        await Api.OkAsync(await MoveAsync(scenario, new { status = "coordinating" }));

        var moved = await Api.OkAsync(await MoveAsync(scenario, new { status = "resumed", reason = "Validators restarted off-portal on Discord." }));

        Assert.Equal("resumed", moved.GetProperty("status").GetString());
        var last = (await scenario.TimelineAsync())[^1];
        Assert.Equal("incident-status-override", last.GetProperty("kind").GetString());
        var summary = last.GetProperty("summary").GetString()!;
        Assert.StartsWith("Status: coordinating → resumed, overriding quorum (not reached: 0.00% ready", summary, StringComparison.Ordinal);
        Assert.EndsWith("Reason: Validators restarted off-portal on Discord.", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_quorum_resuming_needs_no_reason_and_is_an_ordinary_status_change()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);
        await Api.OkAsync(await MoveAsync(scenario, new { status = "coordinating" }));
        await scenario.PublishReleaseAsync();
        await scenario.ReportAllAsync("ready", [0, 1, 2]);
        Assert.Equal("quorumReached", (await scenario.IncidentAsync()).GetProperty("status").GetString());

        await Api.OkAsync(await MoveAsync(scenario, new { status = "resumed" }));

        var last = (await scenario.TimelineAsync())[^1];
        Assert.Equal("incident-status", last.GetProperty("kind").GetString());
        Assert.Equal("Status: quorum reached → resumed.", last.GetProperty("summary").GetString());
    }

    [Theory]
    [InlineData("", "quorumReached")]
    [InlineData("", "resumed")]
    [InlineData("fixing", "resumed")]
    [InlineData("fixing", "fixing")]
    [InlineData("coordinating", "fixing")]
    public async Task Moves_the_table_forbids_are_409_even_with_a_reason(string first, string illegal)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        if (first.Length > 0)
        {
            await Api.OkAsync(await MoveAsync(scenario, new { status = first }));
        }

        var before = await scenario.RevisionAsync();
        await Api.ProblemAsync(await MoveAsync(scenario, new { status = illegal, reason = "Long enough reason here." }), HttpStatusCode.Conflict);
        Assert.Equal(before, await scenario.RevisionAsync());
    }

    [Fact]
    public async Task A_closed_incident_moves_nowhere()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        await Api.OkAsync(await MoveAsync(scenario, new { status = "closed", reason = "Declared by mistake, no halt." }));

        var problem = await Api.ProblemAsync(await MoveAsync(scenario, new { status = "fixing" }), HttpStatusCode.Conflict);
        Assert.Contains("allowed: none", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
