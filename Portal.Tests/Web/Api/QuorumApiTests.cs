using System.Net;
using System.Text.Json;

namespace Portal.Tests.Web.Api;

/// <summary>GET /api/v1/incidents/{id}/quorum and the incident status it drives, per API.md.</summary>
public sealed class QuorumApiTests(Infrastructure.PortalFactory portal) : IClassFixture<Infrastructure.PortalFactory>
{
    private static string Stake(int validators) => validators == 0 ? "0" : $"{validators}0000000000000000000000000";

    private static void AssertCounts(JsonElement quorum, int total, int pending, int acknowledged, int downloading, int upgraded, int ready, int blocked)
    {
        var counts = quorum.GetProperty("validators");
        Assert.Equal(
            $"total={total} pending={pending} acknowledged={acknowledged} downloading={downloading} upgraded={upgraded} ready={ready} blocked={blocked}",
            $"total={counts.GetProperty("total").GetInt32()} pending={counts.GetProperty("pending").GetInt32()} acknowledged={counts.GetProperty("acknowledged").GetInt32()} " +
            $"downloading={counts.GetProperty("downloading").GetInt32()} upgraded={counts.GetProperty("upgraded").GetInt32()} ready={counts.GetProperty("ready").GetInt32()} blocked={counts.GetProperty("blocked").GetInt32()}");
    }

    [Fact]
    public async Task The_document_has_exactly_the_fields_and_types_of_API_md()
    {
        var scenario = await ApiScenario.CreateAsync(portal);

        var response = await scenario.Admin.GetAsync(Api.Path($"{scenario.Base}/quorum"));
        var quorum = await Api.OkAsync(response);

        Assert.Equal(
            ["acknowledgedStake", "incidentId", "reached", "readyStake", "revision", "stakeNeeded", "threshold", "totalStake", "upgradedStake", "validators", "weighting"],
            quorum.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(scenario.IncidentId, quorum.GetProperty("incidentId").GetGuid());
        Assert.Equal(JsonValueKind.Number, quorum.GetProperty("revision").ValueKind);
        Assert.Equal(await scenario.RevisionAsync(), quorum.GetProperty("revision").GetInt64());
        Assert.Equal("stake", quorum.GetProperty("weighting").GetString());
        var threshold = quorum.GetProperty("threshold");
        Assert.Equal(["denominator", "numerator", "strict"], threshold.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(JsonValueKind.Number, threshold.GetProperty("numerator").ValueKind);
        Assert.Equal(2, threshold.GetProperty("numerator").GetInt32());
        Assert.Equal(3, threshold.GetProperty("denominator").GetInt32());
        Assert.Equal(JsonValueKind.True, threshold.GetProperty("strict").ValueKind);
        foreach (var field in new[] { "totalStake", "readyStake", "upgradedStake", "acknowledgedStake", "stakeNeeded" })
        {
            Assert.Equal(JsonValueKind.String, quorum.GetProperty(field).ValueKind);
        }

        Assert.Equal(JsonValueKind.False, quorum.GetProperty("reached").ValueKind);
        Assert.Equal(
            ["acknowledged", "blocked", "downloading", "pending", "ready", "total", "upgraded"],
            quorum.GetProperty("validators").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.All(quorum.GetProperty("validators").EnumerateObject(), p => Assert.Equal(JsonValueKind.Number, p.Value.ValueKind));

        Assert.Equal(Api.CyberMilesTotal, quorum.GetProperty("totalStake").GetString());
        Assert.Equal("0", quorum.GetProperty("readyStake").GetString());
        Assert.Equal("0", quorum.GetProperty("upgradedStake").GetString());
        Assert.Equal("0", quorum.GetProperty("acknowledgedStake").GetString());
        Assert.Equal("160000000000000000000000001", quorum.GetProperty("stakeNeeded").GetString());
        AssertCounts(quorum, 24, 24, 0, 0, 0, 0, 0);
    }

    [Fact]
    public async Task CyberMiles_16_ready_is_one_base_unit_short_and_17_ready_reaches_quorum()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        await scenario.PublishReleaseAsync();
        await scenario.ReportAllAsync("ready", Enumerable.Range(0, 16));

        var sixteen = await scenario.QuorumAsync();

        Assert.False(sixteen.GetProperty("reached").GetBoolean());
        Assert.Equal(Stake(16), sixteen.GetProperty("readyStake").GetString());
        Assert.Equal("1", sixteen.GetProperty("stakeNeeded").GetString());
        Assert.Equal("investigating", (await scenario.IncidentAsync()).GetProperty("status").GetString());
        Assert.DoesNotContain(await scenario.TimelineAsync(), e => e.GetProperty("kind").GetString() == "quorum-reached");

        var (user, op) = await scenario.OperatorAsync(16);
        await Api.OkAsync(await scenario.ReportAsync(op, 16, "ready", Api.Hotfix));
        var seventeen = await scenario.QuorumAsync();

        Assert.True(seventeen.GetProperty("reached").GetBoolean());
        Assert.Equal(Stake(17), seventeen.GetProperty("readyStake").GetString());
        Assert.Equal(Stake(17), seventeen.GetProperty("upgradedStake").GetString());
        Assert.Equal(Stake(17), seventeen.GetProperty("acknowledgedStake").GetString());
        Assert.Equal("0", seventeen.GetProperty("stakeNeeded").GetString());
        AssertCounts(seventeen, 24, 7, 0, 0, 0, 17, 0);
        Assert.True(seventeen.GetProperty("revision").GetInt64() > sixteen.GetProperty("revision").GetInt64());

        var incident = await scenario.IncidentAsync();
        Assert.Equal("quorumReached", incident.GetProperty("status").GetString());
        Assert.Equal("QuorumReached", await portal.Database.ScalarAsync<string>($"SELECT status FROM incidents WHERE id = '{scenario.IncidentId}'"));
        var timeline = await scenario.TimelineAsync();
        var reached = Assert.Single(timeline, e => e.GetProperty("kind").GetString() == "quorum-reached");
        Assert.Equal("portal", reached.GetProperty("actor").GetString());
        Assert.Equal("Quorum reached: 17 of 24 validators ready (more than 2/3 of stake).", reached.GetProperty("summary").GetString());
        Assert.Equal("quorum-reached", timeline[^1].GetProperty("kind").GetString());
        Assert.Equal(user.UserName, timeline[^2].GetProperty("actor").GetString());
    }

    [Fact]
    public async Task Stepping_back_from_ready_loses_quorum_returns_to_coordinating_and_is_on_the_timeline()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/status"), Api.Json("""{"status": "coordinating"}""")));
        await scenario.PublishReleaseAsync();
        await scenario.ReportAllAsync("ready", Enumerable.Range(0, 17));
        Assert.Equal("quorumReached", (await scenario.IncidentAsync()).GetProperty("status").GetString());
        var reachedRevision = (await scenario.QuorumAsync()).GetProperty("revision").GetInt64();
        var (_, op) = await scenario.OperatorAsync(9);

        await Api.OkAsync(await scenario.ReportAsync(op, 9, "upgraded", Api.Hotfix));

        var lost = await scenario.QuorumAsync();
        Assert.False(lost.GetProperty("reached").GetBoolean());
        Assert.Equal(Stake(16), lost.GetProperty("readyStake").GetString());
        Assert.Equal(Stake(17), lost.GetProperty("upgradedStake").GetString());
        Assert.Equal("1", lost.GetProperty("stakeNeeded").GetString());
        Assert.True(lost.GetProperty("revision").GetInt64() > reachedRevision);
        AssertCounts(lost, 24, 7, 0, 0, 1, 16, 0);
        Assert.Equal("coordinating", (await scenario.IncidentAsync()).GetProperty("status").GetString());
        var last = (await scenario.TimelineAsync())[^1];
        Assert.Equal("quorum-lost", last.GetProperty("kind").GetString());
        Assert.Equal("portal", last.GetProperty("actor").GetString());
        Assert.Equal("Quorum lost: only 16 of 24 validators ready; back to coordinating.", last.GetProperty("summary").GetString());

        // And back again.
        await Api.OkAsync(await scenario.ReportAsync(op, 9, "ready", Api.Hotfix));
        Assert.Equal("quorumReached", (await scenario.IncidentAsync()).GetProperty("status").GetString());
        Assert.Equal(2, (await scenario.TimelineAsync()).Count(e => e.GetProperty("kind").GetString() == "quorum-reached"));
    }

    [Fact]
    public async Task A_superseding_release_after_quorum_loses_it()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        await scenario.PublishReleaseAsync();
        await scenario.ReportAllAsync("ready", Enumerable.Range(0, 18));
        Assert.Equal("quorumReached", (await scenario.IncidentAsync()).GetProperty("status").GetString());

        await scenario.PublishReleaseAsync("v0.1.9-hotfix");

        var quorum = await scenario.QuorumAsync();
        Assert.False(quorum.GetProperty("reached").GetBoolean());
        Assert.Equal("0", quorum.GetProperty("readyStake").GetString());
        Assert.Equal("160000000000000000000000001", quorum.GetProperty("stakeNeeded").GetString());
        Assert.Equal("coordinating", (await scenario.IncidentAsync()).GetProperty("status").GetString());
        Assert.Equal(["release-published", "quorum-lost"], (await scenario.TimelineAsync())[^2..].Select(e => e.GetProperty("kind").GetString()));
    }

    [Fact]
    public async Task Stake_sums_follow_the_state_definitions()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        await scenario.ReportAllAsync("acknowledged", [0, 1, 2]);
        await scenario.ReportAllAsync("downloading", [3, 4]);
        await scenario.ReportAllAsync("upgraded", [5]);
        await scenario.ReportAllAsync("ready", Enumerable.Range(6, 7));
        await Api.OkAsync(await scenario.ReportAsync(scenario.Admin, 13, "blocked", note: "AWS region down"));
        await Api.OkAsync(await scenario.ReportAsync(scenario.Admin, 14, "blocked", note: "asleep in Asia/Taipei"));

        var quorum = await scenario.QuorumAsync();

        Assert.Equal(Stake(7), quorum.GetProperty("readyStake").GetString());
        Assert.Equal(Stake(8), quorum.GetProperty("upgradedStake").GetString());
        Assert.Equal(Stake(15), quorum.GetProperty("acknowledgedStake").GetString());
        Assert.Equal("90000000000000000000000001", quorum.GetProperty("stakeNeeded").GetString());
        AssertCounts(quorum, 24, 9, 3, 2, 1, 7, 2);
    }

    [Fact]
    public async Task Unequal_stakes_decide_by_stake_not_by_count()
    {
        // One whale with 40 of 100 units and 60 minnows of 1: the whale plus 26 minnows (66) is not more than 2/3, 27 (67) are.
        var scenario = await ApiScenario.CreateAsync(portal, count: 61, stake: i => i == 0 ? "40" : "1");
        await scenario.ReportAllAsync("ready", Enumerable.Range(0, 27));

        var short1 = await scenario.QuorumAsync();
        Assert.Equal("100", short1.GetProperty("totalStake").GetString());
        Assert.Equal("66", short1.GetProperty("readyStake").GetString());
        Assert.Equal("1", short1.GetProperty("stakeNeeded").GetString());
        Assert.False(short1.GetProperty("reached").GetBoolean());

        await scenario.ReportAllAsync("ready", [27]);
        var reached = await scenario.QuorumAsync();
        Assert.Equal("67", reached.GetProperty("readyStake").GetString());
        Assert.True(reached.GetProperty("reached").GetBoolean());
        Assert.Equal("0", reached.GetProperty("stakeNeeded").GetString());
        Assert.Equal(28, reached.GetProperty("validators").GetProperty("ready").GetInt32());
    }

    [Fact]
    public async Task Count_weighting_counts_validators_and_an_inclusive_rule_reaches_at_equality()
    {
        // "at least 2/3 of validators": 16 of 24 reaches; stake is ignored.
        var scenario = await ApiScenario.CreateAsync(portal, stake: i => i == 0 ? "99999999999999999999999999999999999999" : "1",
            quorum: new { numerator = 2, denominator = 3, strict = false, weighting = "count" });
        await scenario.ReportAllAsync("ready", Enumerable.Range(1, 15));

        var fifteen = await scenario.QuorumAsync();
        Assert.Equal("count", fifteen.GetProperty("weighting").GetString());
        Assert.False(fifteen.GetProperty("threshold").GetProperty("strict").GetBoolean());
        Assert.Equal("24", fifteen.GetProperty("totalStake").GetString());
        Assert.Equal("15", fifteen.GetProperty("readyStake").GetString());
        Assert.Equal("1", fifteen.GetProperty("stakeNeeded").GetString());
        Assert.False(fifteen.GetProperty("reached").GetBoolean());

        await scenario.ReportAllAsync("ready", [16]);
        var sixteen = await scenario.QuorumAsync();
        Assert.Equal("16", sixteen.GetProperty("readyStake").GetString());
        Assert.Equal("0", sixteen.GetProperty("stakeNeeded").GetString());
        Assert.True(sixteen.GetProperty("reached").GetBoolean());
        Assert.Equal("quorumReached", (await scenario.IncidentAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Revision_strictly_increases_on_every_change_and_not_on_refusals_or_no_ops()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var (_, op) = await scenario.OperatorAsync(0);
        var revisions = new List<long> { (await scenario.QuorumAsync()).GetProperty("revision").GetInt64() };

        async Task ChangedAsync(Func<Task<HttpResponseMessage>> change)
        {
            var response = await change();
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            var revision = (await scenario.QuorumAsync()).GetProperty("revision").GetInt64();
            Assert.True(revision > revisions[^1], $"revision {revision} after {revisions[^1]}");
            revisions.Add(revision);
        }

        async Task UnchangedAsync(Func<Task<HttpResponseMessage>> attempt)
        {
            await attempt();
            Assert.Equal(revisions[^1], (await scenario.QuorumAsync()).GetProperty("revision").GetInt64());
        }

        await ChangedAsync(() => scenario.ReportAsync(op, 0, "acknowledged"));
        await UnchangedAsync(() => scenario.ReportAsync(op, 0, "acknowledged"));
        await ChangedAsync(() => scenario.ReportAsync(op, 0, "downloading", Api.Hotfix));
        await UnchangedAsync(() => scenario.ReportAsync(op, 1, "ready"));
        await UnchangedAsync(() => scenario.ReportAsync(op, 0, "acknowledged"));
        await UnchangedAsync(() => scenario.ReportAsync(op, 0, "blocked"));
        await ChangedAsync(() => scenario.ReportAsync(op, 0, "blocked", note: "disk full"));
        await ChangedAsync(() => scenario.ReportAsync(op, 0, "blocked", note: "disk full, cleaning up"));
        await ChangedAsync(() => scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(ApiScenario.Release(Api.Hotfix))));
        var releaseId = await portal.Database.ScalarAsync<Guid>($"SELECT id FROM releases WHERE incident_id = '{scenario.IncidentId}'");
        await ChangedAsync(() => scenario.Admin.PostAsync(Api.Path($"/api/v1/releases/{releaseId}/publish"), null));
        await UnchangedAsync(() => scenario.Admin.PostAsync(Api.Path($"/api/v1/releases/{releaseId}/publish"), null));
        await ChangedAsync(() => scenario.ReportAsync(scenario.Admin, 5, "ready", Api.Hotfix));
        await ChangedAsync(() => scenario.Admin.PutAsync(Api.Path($"{scenario.Base}/validator-set"), Api.Json(new
        {
            height = Api.HaltHeight,
            validators = scenario.Keys.Select((k, i) => Api.Row(k, $"Validator {i:00}", Api.CyberMilesStake)).ToArray(),
        })));
        await ChangedAsync(() => scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/status"), Api.Json("""{"status": "coordinating"}""")));

        Assert.Equal(revisions.Count, revisions.Distinct().Count());
    }

    [Fact]
    public async Task An_all_zero_set_never_reaches_quorum()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3, stake: _ => "0");
        await scenario.ReportAllAsync("ready", [0, 1, 2]);

        var quorum = await scenario.QuorumAsync();

        Assert.Equal("0", quorum.GetProperty("totalStake").GetString());
        Assert.False(quorum.GetProperty("reached").GetBoolean());
        Assert.Equal("1", quorum.GetProperty("stakeNeeded").GetString());
        Assert.Equal("investigating", (await scenario.IncidentAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_incident_without_a_set_has_an_empty_quorum_document()
    {
        var admin = portal.CreateApiClient();
        var network = await Api.OkAsync(await admin.PostAsync(Api.Path("/api/v1/networks"), Api.Json(new { name = "Empty", chainId = "empty-" + Guid.NewGuid().ToString("N")[..8] })), HttpStatusCode.Created);
        var incident = await Api.OkAsync(await admin.PostAsync(Api.Path("/api/v1/incidents"), Api.Json(new { networkId = network.GetProperty("id").GetGuid(), title = "Halt", haltHeight = 5 })), HttpStatusCode.Created);

        var quorum = await Api.OkAsync(await admin.GetAsync(Api.Path($"/api/v1/incidents/{incident.GetProperty("id").GetGuid()}/quorum")));

        Assert.Equal("0", quorum.GetProperty("totalStake").GetString());
        Assert.False(quorum.GetProperty("reached").GetBoolean());
        Assert.Equal(1, quorum.GetProperty("revision").GetInt64());
        AssertCounts(quorum, 0, 0, 0, 0, 0, 0, 0);
    }
}
