using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Portal.Tests.Web.Api;

/// <summary>GET /api/v1/incidents/{id}/timeline, per API.md: oldest first, one entry per change.</summary>
public sealed class TimelineApiTests(Infrastructure.PortalFactory portal) : IClassFixture<Infrastructure.PortalFactory>
{
    [Fact]
    public async Task The_timeline_lists_each_change_once_oldest_first_with_at_kind_actor_summary()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var (op, client) = await scenario.OperatorAsync(0);
        var observer = await scenario.ClientAsync("observer");

        await scenario.PublishReleaseAsync();                                                                           // drafted, published
        await Api.OkAsync(await scenario.ReportAsync(client, 0, "acknowledged"));                                      // status
        await Api.OkAsync(await scenario.ReportAsync(client, 0, "acknowledged"));                                      // no-op
        await Api.OkAsync(await scenario.ReportAsync(client, 0, "downloading", idempotencyKey: "dl-1"));             // status
        await Api.OkAsync(await scenario.ReportAsync(client, 0, "downloading", idempotencyKey: "dl-1"));             // replay
        await Api.ProblemAsync(await scenario.ReportAsync(client, 1, "ready"), HttpStatusCode.Forbidden);             // refused
        await Api.ProblemAsync(await scenario.ReportAsync(client, 0, "acknowledged"), HttpStatusCode.Conflict);       // refused
        await Api.ProblemAsync(await scenario.ReportAsync(client, 0, "blocked"), HttpStatusCode.BadRequest);          // refused
        await scenario.ReportAllAsync("ready", Enumerable.Range(1, 17));                                                // 17 statuses + quorum reached
        await Api.OkAsync(await scenario.ReportAsync(scenario.Admin, 1, "upgraded", Api.Hotfix));                     // status + quorum lost

        var response = await observer.GetAsync(Api.Path($"{scenario.Base}/timeline"));
        var timeline = (await Api.OkAsync(response)).EnumerateArray().ToList();

        string[] expected =
        [
            "incident-declared", "validator-set", "release-drafted", "release-published", "validator-status", "validator-status",
            .. Enumerable.Repeat("validator-status", 17), "quorum-reached", "validator-status", "quorum-lost",
        ];
        Assert.Equal(expected, timeline.Select(e => e.GetProperty("kind").GetString()));
        Assert.Equal(await scenario.TimelineCountAsync(), timeline.Count);
        Assert.All(timeline, e =>
        {
            Assert.Equal(["actor", "at", "kind", "summary"], e.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.All(e.EnumerateObject(), p => Assert.Equal(JsonValueKind.String, p.Value.ValueKind));
            Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("summary").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("actor").GetString()));
        });

        var times = timeline.Select(e => e.GetProperty("at").GetString()!).ToList();
        Assert.All(times, t => Assert.EndsWith("Z", t, StringComparison.Ordinal));
        var parsed = times.Select(t => DateTimeOffset.Parse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)).ToList();
        Assert.Equal(parsed.Order(), parsed);

        Assert.Equal("admin", timeline[0].GetProperty("actor").GetString());
        Assert.Equal("Declared: CVM crash halts mainnet at block 1724747, halted at block 1724747.", timeline[0].GetProperty("summary").GetString());
        Assert.Equal($"Release {Api.Hotfix} drafted with 1 artifact(s).", timeline[2].GetProperty("summary").GetString());
        Assert.Equal(op.UserName, timeline[4].GetProperty("actor").GetString());
        Assert.Equal("Validator 00: pending → acknowledged.", timeline[4].GetProperty("summary").GetString());
        Assert.Equal("Validator 00: acknowledged → downloading.", timeline[5].GetProperty("summary").GetString());
        Assert.Equal("admin (on behalf of the operator)", timeline[6].GetProperty("actor").GetString());
        Assert.Equal($"Validator 01: pending → ready, running {Api.Hotfix}.", timeline[6].GetProperty("summary").GetString());
        Assert.Equal("Validator 01: ready → upgraded, running v0.1.8-beta-hotfix.", timeline[^2].GetProperty("summary").GetString());

        // The stored chain is whole: each entry points at the one before it.
        Assert.Equal(0L, await portal.Database.ScalarAsync<long>($"""
            SELECT count(*) FROM (
              SELECT previous_hash, lag(hash, 1, repeat('0', 64)) OVER (ORDER BY id) AS before FROM timeline_events WHERE incident_id = '{scenario.IncidentId}'
            ) t WHERE previous_hash <> before
            """));
    }

    [Fact]
    public async Task Each_incident_has_its_own_timeline()
    {
        var first = await ApiScenario.CreateAsync(portal, count: 2);
        var second = await ApiScenario.CreateAsync(portal, count: 2);
        await first.ReportAllAsync("ready", [0]);

        Assert.Equal(3, (await first.TimelineAsync()).Length);
        Assert.Equal(["incident-declared", "validator-set"], (await second.TimelineAsync()).Select(e => e.GetProperty("kind").GetString()));
    }
}
