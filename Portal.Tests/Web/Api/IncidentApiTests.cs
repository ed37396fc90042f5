using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web.Api;

/// <summary>POST /api/v1/incidents and GET /api/v1/incidents/{id}, per API.md.</summary>
public sealed class IncidentApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private async Task<Guid> NetworkAsync()
    {
        var network = await Api.OkAsync(await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"),
            Api.Json(new { name = "CyberMiles", chainId = "cybermiles-" + Guid.NewGuid().ToString("N")[..10] })), HttpStatusCode.Created);
        return network.GetProperty("id").GetGuid();
    }

    private Task<long> IncidentsOnAsync(Guid networkId) => portal.Database.ScalarAsync<long>($"SELECT count(*) FROM incidents WHERE network_id = '{networkId}'");

    [Theory]
    [InlineData("admin")]
    [InlineData("commander")]
    public async Task A_commander_or_admin_declares_an_incident_and_gets_201_investigating(string role)
    {
        var networkId = await NetworkAsync();
        var client = role == "admin" ? portal.CreateApiClient() : portal.CreateApiClient((await TestUsers.CreateAsync(portal, [role])).Token);

        var response = await client.PostAsync(Api.Path("/api/v1/incidents"), Api.Json(new
        {
            networkId,
            title = "CVM crash halts mainnet at block 1724747",
            haltHeight = 1_724_747,
            summary = "Upgrade to `v0.1.8-beta-hotfix`.",
        }));

        var incident = await Api.OkAsync(response, HttpStatusCode.Created);
        var id = incident.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/incidents/{id}", response.Headers.Location?.ToString());
        Assert.Equal("investigating", incident.GetProperty("status").GetString());
        Assert.Equal(networkId, incident.GetProperty("networkId").GetGuid());
        Assert.Equal("CVM crash halts mainnet at block 1724747", incident.GetProperty("title").GetString());
        Assert.Equal(1_724_747, incident.GetProperty("haltHeight").GetInt64());
        Assert.Equal("Upgrade to `v0.1.8-beta-hotfix`.", incident.GetProperty("summary").GetString());
        Assert.Equal(1, incident.GetProperty("revision").GetInt64());
        Assert.EndsWith("Z", incident.GetProperty("declaredAt").GetString(), StringComparison.Ordinal);

        var fetched = await Api.OkAsync(await client.GetAsync(Api.Path($"/api/v1/incidents/{id}")));
        Assert.Equal(id, fetched.GetProperty("id").GetGuid());
        Assert.Equal("investigating", fetched.GetProperty("status").GetString());
        Assert.Equal(1_724_747, fetched.GetProperty("haltHeight").GetInt64());
        Assert.Equal("Investigating|1724747|1", await portal.Database.ScalarAsync<string>($"SELECT concat_ws('|', status, halt_height, revision) FROM incidents WHERE id = '{id}'"));

        var timeline = await Api.OkAsync(await client.GetAsync(Api.Path($"/api/v1/incidents/{id}/timeline")));
        var declared = Assert.Single(timeline.EnumerateArray());
        Assert.Equal("incident-declared", declared.GetProperty("kind").GetString());
        Assert.Contains("1724747", declared.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"networkId": "NET", "haltHeight": 1724747}""", new[] { "title" })]
    [InlineData("""{"networkId": "NET", "title": "   ", "haltHeight": 1724747}""", new[] { "title" })]
    [InlineData("""{"networkId": "NET", "title": "Halt"}""", new[] { "haltHeight" })]
    [InlineData("""{"networkId": "NET", "title": "Halt", "haltHeight": -1}""", new[] { "haltHeight" })]
    [InlineData("""{"networkId": "NET"}""", new[] { "haltHeight", "title" })]
    [InlineData("""{"title": "Halt", "haltHeight": 1724747}""", new[] { "networkId" })]
    public async Task Missing_or_invalid_fields_are_400_naming_each_field(string template, string[] fields)
    {
        var networkId = await NetworkAsync();

        var response = await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/incidents"), Api.Json(template.Replace("NET", networkId.ToString(), StringComparison.Ordinal)));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest, fields);
        Assert.Equal(fields, Api.ErrorFields(problem));
        Assert.Equal(0L, await IncidentsOnAsync(networkId));
    }

    [Fact]
    public async Task An_unknown_network_is_a_400_naming_network_id()
    {
        var response = await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/incidents"), Api.Json(new { networkId = Guid.NewGuid(), title = "Halt", haltHeight = 1 }));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest, "networkId");
        Assert.Equal(["networkId"], Api.ErrorFields(problem));
    }

    [Fact]
    public async Task A_too_long_title_or_summary_is_named_as_that_field()
    {
        var networkId = await NetworkAsync();

        var title = await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/incidents"), Api.Json(new { networkId, title = new string('t', 201), haltHeight = 1 }));
        var summary = await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/incidents"), Api.Json(new { networkId, title = "Halt", haltHeight = 1, summary = new string('s', 20_001) }));

        Assert.Equal(["title"], Api.ErrorFields(await Api.ProblemAsync(title, HttpStatusCode.BadRequest, "title")));
        Assert.Equal(["summary"], Api.ErrorFields(await Api.ProblemAsync(summary, HttpStatusCode.BadRequest, "summary")));
        Assert.Equal(0L, await IncidentsOnAsync(networkId));
    }

    [Theory]
    [InlineData("""{"networkId": "NET", "title": "Halt", "haltHeight": "1724747"}""", "height as a string")]
    [InlineData("""{"networkId": "NET", "title": "Halt", "haltHeight": 1.5}""", "fractional height")]
    [InlineData("""{"networkId": "NET", "title": "Halt", "haltHeight": 99999999999999999999}""", "height overflowing long")]
    [InlineData("""{"networkId": "not-a-guid", "title": "Halt", "haltHeight": 1}""", "network id not a guid")]
    [InlineData("""{"networkId": "NET", "title": ["Halt"], "haltHeight": 1}""", "title as an array")]
    [InlineData("""{"networkId": "NET", "title": "Halt", "haltHeight": 1""", "malformed JSON")]
    public async Task Unreadable_bodies_are_400_problems(string template, string because)
    {
        var networkId = await NetworkAsync();

        var response = await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/incidents"), Api.Json(template.Replace("NET", networkId.ToString(), StringComparison.Ordinal)));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, because);
        await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(0L, await IncidentsOnAsync(networkId));
    }

    [Theory]
    [InlineData("operator")]
    [InlineData("observer")]
    [InlineData("coredev")]
    public async Task Other_roles_are_403_and_declare_nothing(string role)
    {
        var networkId = await NetworkAsync();
        var user = await TestUsers.CreateAsync(portal, [role]);

        var response = await portal.CreateApiClient(user.Token).PostAsync(Api.Path("/api/v1/incidents"), Api.Json(new { networkId, title = "Halt", haltHeight = 1 }));

        await Api.ProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(0L, await IncidentsOnAsync(networkId));
    }

    [Fact]
    public async Task Without_a_token_it_is_401_and_declares_nothing()
    {
        var networkId = await NetworkAsync();

        var response = await portal.CreateApiClient(token: null).PostAsync(Api.Path("/api/v1/incidents"), Api.Json(new { networkId, title = "Halt", haltHeight = 1 }));

        await Api.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal(0L, await IncidentsOnAsync(networkId));
    }

    [Fact]
    public async Task An_unknown_incident_is_404_on_every_read()
    {
        var unknown = Guid.NewGuid();
        var client = portal.CreateApiClient();

        await Api.ProblemAsync(await client.GetAsync(Api.Path($"/api/v1/incidents/{unknown}")), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await client.GetAsync(Api.Path($"/api/v1/incidents/{unknown}/quorum")), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await client.GetAsync(Api.Path($"/api/v1/incidents/{unknown}/timeline")), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Reads_need_a_token_but_any_role_will_do()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);
        var observer = await scenario.ClientAsync("observer");
        var anonymous = portal.CreateApiClient(token: null);

        Assert.Equal("investigating", (await Api.OkAsync(await observer.GetAsync(Api.Path(scenario.Base)))).GetProperty("status").GetString());
        Assert.Equal("30000000000000000000000000", (await scenario.QuorumAsync(observer)).GetProperty("totalStake").GetString());
        Assert.Equal(2, (await scenario.TimelineAsync(observer)).Length);

        await Api.ProblemAsync(await anonymous.GetAsync(Api.Path(scenario.Base)), HttpStatusCode.Unauthorized);
        await Api.ProblemAsync(await anonymous.GetAsync(Api.Path($"{scenario.Base}/quorum")), HttpStatusCode.Unauthorized);
        await Api.ProblemAsync(await anonymous.GetAsync(Api.Path($"{scenario.Base}/timeline")), HttpStatusCode.Unauthorized);
    }
}
