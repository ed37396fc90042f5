using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web.Api;

/// <summary>A network's display unit (decimals and symbol): optional on POST /api/v1/networks, stored, echoed.</summary>
public sealed class NetworkUnitApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static string NewChainId() => "chain-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task A_network_keeps_its_display_unit_and_one_without_reads_in_base_units()
    {
        var cmt = await Api.OkAsync(await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json($$$"""
            {"name": "CyberMiles", "chainId": "{{{NewChainId()}}}", "decimals": 18, "symbol": "CMT"}
            """)), HttpStatusCode.Created);
        var plain = await Api.OkAsync(await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json($$$"""
            {"name": "Plain", "chainId": "{{{NewChainId()}}}"}
            """)), HttpStatusCode.Created);

        Assert.Equal(18, cmt.GetProperty("decimals").GetInt32());
        Assert.Equal("CMT", cmt.GetProperty("symbol").GetString());
        Assert.Equal(0, plain.GetProperty("decimals").GetInt32());
        Assert.Equal("", plain.GetProperty("symbol").GetString());
        Assert.Equal("18|CMT", await portal.Database.ScalarAsync<string>(
            $"SELECT concat_ws('|', unit_decimals, unit_symbol) FROM networks WHERE id = '{cmt.GetProperty("id").GetGuid()}'"));
    }

    [Theory]
    [InlineData("\"decimals\": -1", "decimals")]
    [InlineData("\"decimals\": 39", "decimals")]
    [InlineData("\"symbol\": \"C MT\"", "symbol")]
    [InlineData("\"symbol\": \"ABCDEFGHIJKLMNOPQ\"", "symbol")]
    public async Task A_unit_that_cannot_be_shown_is_400_naming_the_field(string field, string name)
    {
        var response = await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json(
            $$"""{"name": "Bad unit", "chainId": "{{NewChainId()}}", {{field}}}"""));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest, name);
        Assert.Equal([name], Api.ErrorFields(problem));
    }

    [Fact]
    public async Task An_admin_changes_the_unit_and_rule_with_put_and_omitted_fields_keep_their_value()
    {
        var created = await Api.OkAsync(await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json(
            $$"""{"name": "CyberMiles", "chainId": "{{NewChainId()}}"}""")), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();

        var updated = await Api.OkAsync(await portal.CreateApiClient().PutAsync(Api.Path($"/api/v1/networks/{id}"), Api.Json(
            """{"decimals": 18, "symbol": "CMT", "quorum": {"numerator": 1, "denominator": 2}}""")));

        Assert.Equal(18, updated.GetProperty("decimals").GetInt32());
        Assert.Equal("CMT", updated.GetProperty("symbol").GetString());
        Assert.Equal(1, updated.GetProperty("quorum").GetProperty("numerator").GetInt32());
        Assert.True(updated.GetProperty("quorum").GetProperty("strict").GetBoolean());
        Assert.Equal("18|CMT|1|2|t|Stake", await portal.Database.ScalarAsync<string>(
            $"SELECT concat_ws('|', unit_decimals, unit_symbol, quorum_numerator, quorum_denominator, quorum_strict, quorum_weighting) FROM networks WHERE id = '{id}'"));

        var symbolOnly = await Api.OkAsync(await portal.CreateApiClient().PutAsync(Api.Path($"/api/v1/networks/{id}"), Api.Json("""{"symbol": ""}""")));
        Assert.Equal(18, symbolOnly.GetProperty("decimals").GetInt32());
        Assert.Equal("", symbolOnly.GetProperty("symbol").GetString());
    }

    [Theory]
    [InlineData("{\"decimals\": 39}", "decimals")]
    [InlineData("{\"symbol\": \"C MT\"}", "symbol")]
    [InlineData("{\"quorum\": {\"numerator\": 4, \"denominator\": 3}}", "quorum")]
    public async Task A_bad_put_is_400_naming_the_field_and_changes_nothing(string body, string field)
    {
        var created = await Api.OkAsync(await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json(
            $$"""{"name": "Kept", "chainId": "{{NewChainId()}}", "decimals": 6, "symbol": "KEPT"}""")), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();

        var problem = await Api.ProblemAsync(await portal.CreateApiClient().PutAsync(Api.Path($"/api/v1/networks/{id}"), Api.Json(body)), HttpStatusCode.BadRequest, field);

        Assert.Equal([field], Api.ErrorFields(problem));
        Assert.Equal("6|KEPT|2|3", await portal.Database.ScalarAsync<string>(
            $"SELECT concat_ws('|', unit_decimals, unit_symbol, quorum_numerator, quorum_denominator) FROM networks WHERE id = '{id}'"));
    }

    [Fact]
    public async Task Only_admins_may_put_and_an_unknown_network_is_404()
    {
        var created = await Api.OkAsync(await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json(
            $$"""{"name": "Guarded", "chainId": "{{NewChainId()}}"}""")), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);
        var body = """{"decimals": 18, "symbol": "CMT"}""";

        Assert.Equal(HttpStatusCode.Forbidden, (await portal.CreateApiClient(commander.Token).PutAsync(Api.Path($"/api/v1/networks/{id}"), Api.Json(body))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await portal.CreateApiClient(null).PutAsync(Api.Path($"/api/v1/networks/{id}"), Api.Json(body))).StatusCode);
        await Api.ProblemAsync(await portal.CreateApiClient().PutAsync(Api.Path($"/api/v1/networks/{Guid.NewGuid()}"), Api.Json(body)), HttpStatusCode.NotFound);
        Assert.Equal("0|", await portal.Database.ScalarAsync<string>($"SELECT concat_ws('|', unit_decimals, unit_symbol) FROM networks WHERE id = '{id}'"));
    }
    [Fact]
    public async Task A_new_quorum_rule_shows_at_once_in_the_incident_s_quorum_and_reaches_its_watchers()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);
        var before = await Api.OkAsync(await scenario.Admin.GetAsync(Api.Path($"{scenario.Base}/quorum")));
        Assert.Equal(2, before.GetProperty("threshold").GetProperty("numerator").GetInt32());
        await using var watcher = await HubWatcher.ConnectAsync(portal);
        await watcher.InvokeAsync("Watch", scenario.IncidentId);
        await watcher.NextAsync("quorum");

        await Api.OkAsync(await scenario.Admin.PutAsync(Api.Path($"/api/v1/networks/{scenario.NetworkId}"), Api.Json(
            """{"quorum": {"numerator": 3, "denominator": 4, "strict": false}}""")));

        // The incident's revision did not move (nothing of the incident changed), but its quorum did: no stale rule.
        var after = await Api.OkAsync(await scenario.Admin.GetAsync(Api.Path($"{scenario.Base}/quorum")));
        Assert.Equal(3, after.GetProperty("threshold").GetProperty("numerator").GetInt32());
        Assert.Equal(4, after.GetProperty("threshold").GetProperty("denominator").GetInt32());
        Assert.False(after.GetProperty("threshold").GetProperty("strict").GetBoolean());
        // An update of the set-up's last change may still arrive first, with the old rule: wait for the new one
        // (NextAsync fails after its timeout if the new rule never reaches the watcher).
        var pushed = await watcher.NextAsync("update", where: u => u.GetProperty("quorum").ValueKind == System.Text.Json.JsonValueKind.Object
            && u.GetProperty("quorum").GetProperty("threshold").GetProperty("numerator").GetInt32() == 3);
        Assert.Equal(4, pushed.GetProperty("quorum").GetProperty("threshold").GetProperty("denominator").GetInt32());
        Assert.Contains(pushed.GetProperty("fragments").EnumerateArray(), f => f.GetProperty("target").GetString() == "quorum");
    }
}
