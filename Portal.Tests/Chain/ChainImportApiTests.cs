using System.Net;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;

namespace Portal.Tests.Chain;

/// <summary>POST /api/v1/incidents/{id}/validator-set/import against a node on loopback, per API.md v1.1 "Chain".</summary>
public sealed class ChainImportApiTests(ChainPortalFactory portal) : IClassFixture<ChainPortalFactory>
{
    private const long Height = Api.HaltHeight;

    private async Task<(Guid NetworkId, Guid IncidentId)> IncidentAsync()
    {
        var admin = portal.CreateApiClient();
        var network = await Api.OkAsync(await admin.PostAsync(Api.Path("/api/v1/networks"),
            Api.Json(new { name = "CyberMiles", chainId = "cmt-" + Guid.NewGuid().ToString("N")[..10] })), HttpStatusCode.Created);
        var networkId = network.GetProperty("id").GetGuid();
        var incident = await Api.OkAsync(await admin.PostAsync(Api.Path("/api/v1/incidents"),
            Api.Json(new { networkId, title = "CVM crash", haltHeight = Height })), HttpStatusCode.Created);
        return (networkId, incident.GetProperty("id").GetGuid());
    }

    private static Task<HttpResponseMessage> ImportAsync(HttpClient client, Guid incidentId, object body) =>
        client.PostAsync(Api.Path($"/api/v1/incidents/{incidentId}/validator-set/import"), Api.Json(body));

    private Task<long> MembersAsync(Guid incidentId) => portal.Database.ScalarAsync<long>($"SELECT count(*) FROM incident_validators WHERE incident_id = '{incidentId}'");

    [Fact]
    public async Task Every_page_is_imported_with_exact_stake_names_from_rest_and_the_set_frozen_as_put_would()
    {
        var (_, incidentId) = await IncidentAsync();
        var set = RpcShapes.Set(Guid.NewGuid().ToString("N"), 230, i => i < 2 ? "9223372036854775807" : "1");
        await using var rpc = await FakeRpc.StartAsync(RpcShapes.ServeValidators(set, Height));
        await using var rest = await FakeRpc.StartAsync((context, _) => FakeRpc.JsonAsync(context, RpcShapes.CosmosValidators([(set[0].PubKey, "Taipei Labs"), (set[1].PubKey, "Seoul\u0007 Staking")])));

        var summary = await Api.OkAsync(await ImportAsync(portal.CreateApiClient(), incidentId, new { source = "cometbft", rpcUrl = rpc.Url.ToString(), height = Height, restUrl = rest.Url.ToString() }));

        Assert.Equal(230, summary.GetProperty("count").GetInt32());
        Assert.Equal("18446744073709551842", summary.GetProperty("totalStake").GetString()); // 2 × (2^63 − 1) + 228
        Assert.Equal(Height, summary.GetProperty("height").GetInt64());
        Assert.Equal(230L, await MembersAsync(incidentId));
        Assert.Equal(Height, await portal.Database.ScalarAsync<long>($"SELECT set_height FROM incidents WHERE id = '{incidentId}'"));
        Assert.Equal("9223372036854775807", await portal.Database.ScalarAsync<string>(
            $"SELECT iv.stake::text FROM incident_validators iv JOIN validators v ON v.id = iv.validator_id WHERE iv.incident_id = '{incidentId}' AND v.key = '{set[0].Address}'"));
        Assert.Equal("Taipei Labs", await portal.Database.ScalarAsync<string>($"SELECT name FROM validators WHERE key = '{set[0].Address}'"));
        Assert.Equal("Seoul Staking", await portal.Database.ScalarAsync<string>($"SELECT name FROM validators WHERE key = '{set[1].Address}'"));
        Assert.Equal(set[2].Address, await portal.Database.ScalarAsync<string>($"SELECT name FROM validators WHERE key = '{set[2].Address}'"));
        Assert.Contains("Validator set frozen at block 1724747: 230 validators, total stake 18446744073709551842.", await portal.Database.ScalarAsync<string>(
            $"SELECT summary FROM timeline_events WHERE incident_id = '{incidentId}' AND kind = 'validator-set'"), StringComparison.Ordinal);
        Assert.Equal(3, rpc.Requests.Count);
    }

    [Fact]
    public async Task A_node_that_lies_gives_502_with_the_reason_and_the_set_stays_as_it_was()
    {
        var (_, incidentId) = await IncidentAsync();
        var set = RpcShapes.Set(Guid.NewGuid().ToString("N"), 120);
        await using var rpc = await FakeRpc.StartAsync(RpcShapes.ServeValidators(set, Height));
        await Api.OkAsync(await ImportAsync(portal.CreateApiClient(), incidentId, new { source = "cometbft", rpcUrl = rpc.Url.ToString(), height = Height }));
        var revision = await portal.Database.ScalarAsync<long>($"SELECT revision FROM incidents WHERE id = '{incidentId}'");

        // The second read: page 1 fine, page 2 truncated mid-way; then one that claims more than it lists.
        rpc.Handler = (context, _) => context.Request.Query["page"] == "1"
            ? FakeRpc.JsonAsync(context, RpcShapes.ValidatorsPage(RpcShapes.Set("other", 150), Height, 1))
            : FakeRpc.JsonAsync(context, RpcShapes.ValidatorsPage(RpcShapes.Set("other", 150), Height, 2)[..60]);
        var truncated = await Api.ProblemAsync(await ImportAsync(portal.CreateApiClient(), incidentId, new { source = "cometbft", rpcUrl = rpc.Url.ToString(), height = Height }), HttpStatusCode.BadGateway);
        Assert.Contains("not valid JSON", truncated.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("Nothing was imported", truncated.GetProperty("detail").GetString(), StringComparison.Ordinal);

        rpc.Handler = RpcShapes.ServeValidators(RpcShapes.Set("other", 150), Height, total: 400);
        var lying = await Api.ProblemAsync(await ImportAsync(portal.CreateApiClient(), incidentId, new { source = "cometbft", rpcUrl = rpc.Url.ToString(), height = Height }), HttpStatusCode.BadGateway);
        Assert.Contains("Page 3 is empty", lying.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var unreachable = await Api.ProblemAsync(await ImportAsync(portal.CreateApiClient(), incidentId, new { source = "cometbft", rpcUrl = ChainAdapterTests.ClosedPort().ToString(), height = Height }), HttpStatusCode.BadGateway);
        Assert.Contains("unreachable", unreachable.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(120L, await MembersAsync(incidentId));
        Assert.Equal(revision, await portal.Database.ScalarAsync<long>($"SELECT revision FROM incidents WHERE id = '{incidentId}'"));
    }

    [Fact]
    public async Task Bad_input_is_400_naming_each_field_and_only_commanders_and_admins_may_import()
    {
        var (_, incidentId) = await IncidentAsync();
        var admin = portal.CreateApiClient();

        var bad = await Api.ProblemAsync(await ImportAsync(admin, incidentId, new { source = "CometBFT", rpcUrl = "ftp://node:21", height = 0, restUrl = "http://user:pw@node/" }),
            HttpStatusCode.BadRequest, "source", "rpcUrl", "height", "restUrl");
        Assert.Equal(["height", "restUrl", "rpcUrl", "source"], Api.ErrorFields(bad));
        await Api.ProblemAsync(await ImportAsync(admin, incidentId, "{\"source\":\"cometbft\",\"rpcUrl\":\"http://127.0.0.1:1/\",\"height\":\"12\"}"), HttpStatusCode.BadRequest);
        await Api.ProblemAsync(await ImportAsync(admin, Guid.NewGuid(), new { source = "cometbft", rpcUrl = "http://127.0.0.1:1/", height = 5 }), HttpStatusCode.NotFound);

        var op = await TestUsers.CreateAsync(portal, ["operator"]);
        var observer = await TestUsers.CreateAsync(portal, ["observer"]);
        Assert.Equal(HttpStatusCode.Forbidden, (await ImportAsync(portal.CreateApiClient(op.Token), incidentId, new { source = "cometbft", rpcUrl = "http://127.0.0.1:1/", height = 5 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ImportAsync(portal.CreateApiClient(observer.Token), incidentId, new { source = "cometbft", rpcUrl = "http://127.0.0.1:1/", height = 5 })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ImportAsync(portal.CreateApiClient(null), incidentId, new { source = "cometbft", rpcUrl = "http://127.0.0.1:1/", height = 5 })).StatusCode);
        Assert.Equal(0L, await MembersAsync(incidentId));
    }
}
