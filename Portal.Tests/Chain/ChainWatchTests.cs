using System.Globalization;
using System.Net;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;

namespace Portal.Tests.Chain;

/// <summary>The chain watch: head, resume on the timeline once, seen-voting marks, flags and version checks, as the console shows them.</summary>
public sealed class ChainWatchTests(ChainPortalFactory portal) : IClassFixture<ChainPortalFactory>
{
    private const long Halt = Api.HaltHeight;

    /// <summary>A node whose height, voters and health the test sets; it serves the set imported into the incident.</summary>
    private sealed class Node
    {
        public long Height { get; set; } = Halt;
        public HashSet<int> Voting { get; } = [];
        public bool Down { get; set; }
        public required List<RpcShapes.Val> Set { get; init; }

        public Task Serve(Microsoft.AspNetCore.Http.HttpContext context, string request)
        {
            if (Down)
            {
                return FakeRpc.JsonAsync(context, "{\"error\":\"down\"}", 503);
            }

            var path = context.Request.Path.Value;
            return path switch
            {
                "/validators" => RpcShapes.ServeValidators(Set, Halt)(context, request),
                "/status" => FakeRpc.JsonAsync(context, RpcShapes.Status(Height)),
                "/dump_consensus_state" => FakeRpc.JsonAsync(context, RpcShapes.Consensus(Set, Halt + 1, Voting)),
                _ => FakeRpc.JsonAsync(context, "{}", 404),
            };
        }
    }

    private sealed record Setup(Guid NetworkId, Guid IncidentId, Node Node, FakeRpc Rpc, HttpClient Admin) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Rpc.DisposeAsync();
    }

    /// <summary>A network with 6 validators of 100 each (more than 2/3 needs 401), imported from the node, and watched.</summary>
    private async Task<Setup> WatchedAsync(bool autoResume = false)
    {
        var admin = portal.CreateApiClient();
        var network = await Api.OkAsync(await admin.PostAsync(Api.Path("/api/v1/networks"),
            Api.Json(new { name = "Hub", chainId = "hub-" + Guid.NewGuid().ToString("N")[..10] })), HttpStatusCode.Created);
        var networkId = network.GetProperty("id").GetGuid();
        var incident = await Api.OkAsync(await admin.PostAsync(Api.Path("/api/v1/incidents"), Api.Json(new { networkId, title = "Consensus failure", haltHeight = Halt })), HttpStatusCode.Created);
        var incidentId = incident.GetProperty("id").GetGuid();
        var node = new Node { Set = RpcShapes.Set(Guid.NewGuid().ToString("N"), 6, _ => "100") };
        var rpc = await FakeRpc.StartAsync(node.Serve);
        await Api.OkAsync(await admin.PostAsync(Api.Path($"/api/v1/incidents/{incidentId}/validator-set/import"),
            Api.Json(new { source = "cometbft", rpcUrl = rpc.Url.ToString(), height = Halt })));

        // A first URL that refuses connections: every poll falls back to the second.
        var settings = await Api.OkAsync(await admin.PutAsync(Api.Path($"/api/v1/networks/{networkId}/chain"),
            Api.Json(new { family = "cometbft", rpcUrls = new[] { ChainAdapterTests.ClosedPort().ToString(), rpc.Url.ToString() }, pollSeconds = 5, autoResume })));
        Assert.Equal(5, settings.GetProperty("pollSeconds").GetInt32());
        return new Setup(networkId, incidentId, node, rpc, admin);
    }

    private static async Task ReportAsync(Setup s, int seat, string state) =>
        await Api.OkAsync(await s.Admin.PostAsync(Api.Path($"/api/v1/incidents/{s.IncidentId}/validators/{s.Node.Set[seat].Address}/status"), Api.Json(new { state })));

    /// <summary>Moves the clock past the poll interval and polls.</summary>
    private async Task PollAsync()
    {
        portal.Clock.Advance(TimeSpan.FromSeconds(6));
        await portal.PollAsync();
    }

    private async Task<string> CommanderPageAsync(Guid incidentId)
    {
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);
        var client = portal.CreateHttpsClient();
        await FormPost.SignInAsync(client, commander.UserName, commander.Password);
        return WebUtility.HtmlDecode(await client.GetStringAsync(Api.Path($"/incidents/{incidentId}")));
    }

    private Task<long> TimelineCountAsync(Guid incidentId, string kind) =>
        portal.Database.ScalarAsync<long>($"SELECT count(*) FROM timeline_events WHERE incident_id = '{incidentId}' AND kind = '{kind}'");

    [Fact]
    public async Task Votes_at_the_stuck_height_mark_validators_seen_voting_beside_reported_ready_and_disagreements_are_flagged()
    {
        await using var s = await WatchedAsync();
        await ReportAsync(s, 0, "acknowledged");
        await ReportAsync(s, 0, "ready");
        await ReportAsync(s, 1, "acknowledged");
        await ReportAsync(s, 1, "ready");
        await ReportAsync(s, 2, "acknowledged");
        s.Node.Voting.UnionWith([0, 2]);

        await PollAsync();

        Assert.Equal(2L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM validator_chain_marks WHERE incident_id = '{s.IncidentId}' AND seen_voting_at IS NOT NULL"));
        Assert.Equal(Halt + 1, await portal.Database.ScalarAsync<long>($"SELECT max(seen_height) FROM validator_chain_marks WHERE incident_id = '{s.IncidentId}'"));
        Assert.Equal(1L, await TimelineCountAsync(s.IncidentId, "chain-votes"));

        // Seen again: no second entry. A third validator appears: one more.
        await PollAsync();
        Assert.Equal(1L, await TimelineCountAsync(s.IncidentId, "chain-votes"));
        s.Node.Voting.Add(3);
        await PollAsync();
        Assert.Equal(2L, await TimelineCountAsync(s.IncidentId, "chain-votes"));

        var early = await CommanderPageAsync(s.IncidentId);
        Assert.Contains("Seen voting on chain", early, StringComparison.Ordinal);
        Assert.Matches("<span id=\"seen-voting-stake\"><span class=\"stake-amount\"[^>]*>300</span>\\s*</span> \\(3 validators, 50.00%\\) beside <span class=\"stake-amount\"[^>]*>200</span>\\s*reported ready \\(33.33%\\)", early);
        Assert.Contains($"Latest height <strong>{Halt.ToString("N0", CultureInfo.InvariantCulture)}</strong>", early, StringComparison.Ordinal);
        Assert.Contains("data-kind=\"voting-not-reported\"", early, StringComparison.Ordinal);
        Assert.DoesNotContain("data-kind=\"ready-not-voting\"", early, StringComparison.Ordinal); // within the grace period

        portal.Clock.Advance(TimeSpan.FromMinutes(11));
        var late = await CommanderPageAsync(s.IncidentId);
        Assert.Contains($"data-kind=\"ready-not-voting\" data-key=\"{s.Node.Set[1].Address}\"", late, StringComparison.Ordinal);
        Assert.Contains($"data-kind=\"voting-not-reported\" data-key=\"{s.Node.Set[2].Address}\"", late, StringComparison.Ordinal);
        Assert.DoesNotMatch($"data-kind=\"[a-z-]+\" data-key=\"{s.Node.Set[0].Address}\"", late);
    }

    [Fact]
    public async Task Passing_the_halt_height_puts_chain_resumed_on_the_timeline_once_and_offers_the_move()
    {
        await using var s = await WatchedAsync();
        for (var seat = 0; seat < 5; seat++)
        {
            await ReportAsync(s, seat, "acknowledged");
            await ReportAsync(s, seat, "ready");
        }

        await PollAsync();
        Assert.Equal(0L, await TimelineCountAsync(s.IncidentId, "chain-resumed"));

        s.Node.Height = Halt + 3;
        await PollAsync();
        await PollAsync();
        await PollAsync();

        Assert.Equal(1L, await TimelineCountAsync(s.IncidentId, "chain-resumed"));
        Assert.Equal($"Chain resumed at height {Halt + 3} (read from the network's RPC).", await portal.Database.ScalarAsync<string>(
            $"SELECT summary FROM timeline_events WHERE incident_id = '{s.IncidentId}' AND kind = 'chain-resumed'"));
        Assert.Equal("QuorumReached", await portal.Database.ScalarAsync<string>($"SELECT status FROM incidents WHERE id = '{s.IncidentId}'"));
        var page = await CommanderPageAsync(s.IncidentId);
        Assert.Contains("id=\"chain-resumed\"", page, StringComparison.Ordinal);
        Assert.Contains("id=\"chain-offer-resume\"", page, StringComparison.Ordinal);
        // The move the chain suggests is the one highlighted among the allowed moves.
        Assert.Matches("<button[^>]*class=\"[^\"]*mud-button-filled[^\"]*\"[^>]*id=\"move-resumed\"", page);
        Assert.DoesNotMatch("<button[^>]*class=\"[^\"]*mud-button-filled[^\"]*\"[^>]*id=\"move-closed\"", page);
    }

    [Fact]
    public async Task A_network_set_to_move_on_its_own_is_moved_to_resumed()
    {
        await using var s = await WatchedAsync(autoResume: true);
        for (var seat = 0; seat < 5; seat++)
        {
            await ReportAsync(s, seat, "acknowledged");
            await ReportAsync(s, seat, "ready");
        }

        s.Node.Height = Halt + 1;
        await PollAsync();
        await PollAsync();

        Assert.Equal("Resumed", await portal.Database.ScalarAsync<string>($"SELECT status FROM incidents WHERE id = '{s.IncidentId}'"));
        Assert.Equal(1L, await TimelineCountAsync(s.IncidentId, "chain-resumed"));
        Assert.Contains("→ resumed. Reason: the chain resumed at height", await portal.Database.ScalarAsync<string>(
            $"SELECT summary FROM timeline_events WHERE incident_id = '{s.IncidentId}' AND kind IN ('incident-status', 'incident-status-override') ORDER BY id DESC LIMIT 1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_height_going_backwards_is_noted_and_ignored_and_an_unreachable_rpc_says_since_when()
    {
        await using var s = await WatchedAsync();
        await PollAsync();
        s.Node.Height = Halt - 500;
        await PollAsync();

        Assert.Equal(Halt, await portal.Database.ScalarAsync<long>($"SELECT latest_height FROM network_chains WHERE network_id = '{s.NetworkId}'"));
        Assert.Contains($"reported height {Halt - 500}, below the {Halt} read before", await CommanderPageAsync(s.IncidentId), StringComparison.Ordinal);
        Assert.Equal(0L, await TimelineCountAsync(s.IncidentId, "chain-resumed"));

        s.Node.Down = true;
        await PollAsync();
        var since = portal.Clock.GetUtcNow();
        await PollAsync();

        var page = await CommanderPageAsync(s.IncidentId);
        Assert.Contains($"RPC unreachable since {since.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC", page, StringComparison.Ordinal);
        Assert.Contains("HTTP 503", page, StringComparison.Ordinal);

        s.Node.Down = false;
        await PollAsync();
        Assert.DoesNotContain("RPC unreachable", await CommanderPageAsync(s.IncidentId), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_running_another_version_than_the_published_release_is_flagged()
    {
        await using var s = await WatchedAsync();
        var release = await Api.OkAsync(await s.Admin.PostAsync(Api.Path($"/api/v1/incidents/{s.IncidentId}/releases"), Api.Json(ApiScenario.Release("v0.38.13"))), HttpStatusCode.Created);
        await Api.OkAsync(await s.Admin.PostAsync(Api.Path($"/api/v1/releases/{release.GetProperty("id").GetGuid()}/publish"), null));
        await using var old = await FakeRpc.StartAsync((context, _) => FakeRpc.JsonAsync(context, RpcShapes.Status(Halt, version: "0.38.12")));
        await using var fixedNode = await FakeRpc.StartAsync((context, _) => FakeRpc.JsonAsync(context, RpcShapes.Status(Halt, version: "0.38.13")));
        await Api.OkAsync(await s.Admin.PutAsync(Api.Path($"/api/v1/networks/{s.NetworkId}/validators/{s.Node.Set[0].Address}/status-url"), Api.Json(new { statusUrl = new Uri(old.Url, "status").ToString() })));
        await Api.OkAsync(await s.Admin.PutAsync(Api.Path($"/api/v1/networks/{s.NetworkId}/validators/{s.Node.Set[1].Address}/status-url"), Api.Json(new { statusUrl = new Uri(fixedNode.Url, "status").ToString() })));
        await Api.ProblemAsync(await s.Admin.PutAsync(Api.Path($"/api/v1/networks/{s.NetworkId}/validators/{s.Node.Set[2].Address}/status-url"), Api.Json(new { statusUrl = "javascript:alert(1)" })), HttpStatusCode.BadRequest, "statusUrl");

        await PollAsync();

        var page = await CommanderPageAsync(s.IncidentId);
        Assert.Contains($"data-kind=\"version-mismatch\" data-key=\"{s.Node.Set[0].Address}\"", page, StringComparison.Ordinal);
        Assert.Contains("its node reports 0.38.12; the published release is v0.38.13", page, StringComparison.Ordinal);
        Assert.DoesNotMatch($"data-kind=\"[a-z-]+\" data-key=\"{s.Node.Set[1].Address}\"", page);
        Assert.Equal(["/status"], old.Requests.ToArray());
    }

    [Fact]
    public async Task Two_instances_polling_at_once_poll_a_network_once_and_settings_are_for_commanders_only()
    {
        await using var s = await WatchedAsync();
        portal.Clock.Advance(TimeSpan.FromSeconds(6));
        var watch = portal.Services.GetRequiredService<Portal.Web.Features.Chain.ChainWatch>();
        var before = s.Rpc.Requests.Count(r => r.StartsWith("/status", StringComparison.Ordinal));

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => watch.PollDueAsync()));

        Assert.Equal(before + 1, s.Rpc.Requests.Count(r => r.StartsWith("/status", StringComparison.Ordinal)));

        var op = await TestUsers.CreateAsync(portal, ["operator"]);
        Assert.Equal(HttpStatusCode.Forbidden, (await portal.CreateApiClient(op.Token).GetAsync(Api.Path($"/api/v1/networks/{s.NetworkId}/chain"))).StatusCode);
        await Api.ProblemAsync(await s.Admin.PutAsync(Api.Path($"/api/v1/networks/{s.NetworkId}/chain"),
            Api.Json(new { family = "Tendermint", rpcUrls = (string[])["http://a/", "http://a/"], pollSeconds = 1 })), HttpStatusCode.BadRequest, "family", "rpcUrls[1]", "pollSeconds");
    }
}
