using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web;

/// <summary>The SignalR contract of API.md: Subscribe, then `quorum` and `fragment` after every committed change.</summary>
public sealed class LiveHubTests(DemoPortalFactory portal) : IClassFixture<DemoPortalFactory>
{
    /// <summary>A validator still pending in the demo; <paramref name="skip"/> keeps tests in this class apart.</summary>
    private async Task<string> PendingKeyAsync(DemoIncident incident, int skip) =>
        (await portal.Database.ScalarAsync<string>(
            $"SELECT v.key FROM validators v JOIN incident_validators iv ON iv.validator_id = v.id WHERE iv.incident_id = '{incident.Id}' AND iv.state = 'Pending' ORDER BY v.name DESC OFFSET {skip} LIMIT 1"))!;

    [Fact]
    public async Task Subscribing_answers_at_once_with_the_current_quorum_document()
    {
        var incident = await DemoIncident.LoadAsync(portal);
        await using var hub = await HubWatcher.ConnectAsync(portal);

        await hub.InvokeAsync("Subscribe", incident.Id);
        var quorum = await hub.NextAsync("quorum");

        Assert.Equal(incident.Id, quorum.GetProperty("incidentId").GetGuid());
        Assert.Equal(await portal.Database.ScalarAsync<long>($"SELECT revision FROM incidents WHERE id = '{incident.Id}'"), quorum.GetProperty("revision").GetInt64());
        Assert.Equal(JsonValueKind.String, quorum.GetProperty("totalStake").ValueKind);
        Assert.Equal("240000000000000000000000000", quorum.GetProperty("totalStake").GetString());
        Assert.Equal(24, quorum.GetProperty("validators").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Subscribing_to_an_unknown_incident_is_an_error()
    {
        await using var hub = await HubWatcher.ConnectAsync(portal);

        var error = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => hub.InvokeAsync("Subscribe", Guid.NewGuid()));

        Assert.Contains("No incident", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_committed_report_reaches_watchers_as_fragments_then_a_quorum_document_with_the_new_revision()
    {
        var incident = await DemoIncident.LoadAsync(portal);
        var seat = incident.Keys.ToList().IndexOf(await PendingKeyAsync(incident, 0));
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);
        await using var watcher = await HubWatcher.ConnectAsync(portal);
        await watcher.InvokeAsync("Subscribe", incident.Id);
        var before = (await watcher.NextAsync("quorum")).GetProperty("revision").GetInt64();

        var response = await portal.CreateApiClient(commander.Token).PostAsJsonAsync(
            new Uri($"/api/v1/incidents/{incident.Id}/validators/{incident.Keys[seat]}/status", UriKind.Relative),
            new { state = "acknowledged" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var row = await watcher.NextAsync("fragment", where: f => f.GetProperty("target").GetString() == "validator-" + incident.Keys[seat]);
        var quorum = await watcher.NextAsync("quorum");
        var revision = await portal.Database.ScalarAsync<long>($"SELECT revision FROM incidents WHERE id = '{incident.Id}'");

        Assert.Contains("acknowledged", row.GetProperty("html").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("<tr id=\"validator-", row.GetProperty("html").GetString(), StringComparison.Ordinal);
        Assert.Equal(revision, row.GetProperty("revision").GetInt64());
        Assert.True(revision > before);
        Assert.Equal(revision, quorum.GetProperty("revision").GetInt64());
    }

    [Fact]
    public async Task Every_fragment_targets_an_element_the_page_has()
    {
        var incident = await DemoIncident.LoadAsync(portal);
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);
        var key = await PendingKeyAsync(incident, 1);
        var page = await portal.CreateClient().GetStringAsync(new Uri($"/incidents/{incident.Id}", UriKind.Relative));
        await using var watcher = await HubWatcher.ConnectAsync(portal);
        await watcher.InvokeAsync("Subscribe", incident.Id);
        await watcher.NextAsync("quorum");

        await portal.CreateApiClient(commander.Token).PostAsJsonAsync(
            new Uri($"/api/v1/incidents/{incident.Id}/validators/{key}/status", UriKind.Relative), new { state = "downloading" });
        var fragments = new List<string>();
        while (fragments.Count < 4)
        {
            fragments.Add((await watcher.NextAsync("fragment")).GetProperty("target").GetString()!);
        }

        Assert.Equal(["incident-header", "quorum", "timeline", "validator-" + key], fragments); // release and snapshot panels only when they change
        foreach (var target in fragments)
        {
            Assert.Contains($"id=\"{target}\"", page, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_no_op_report_broadcasts_nothing()
    {
        var incident = await DemoIncident.LoadAsync(portal);
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);
        var key = await PendingKeyAsync(incident, 2);
        var client = portal.CreateApiClient(commander.Token);
        var uri = new Uri($"/api/v1/incidents/{incident.Id}/validators/{key}/status", UriKind.Relative);
        await using var watcher = await HubWatcher.ConnectAsync(portal);
        await watcher.InvokeAsync("Subscribe", incident.Id);
        var subscribed = (await watcher.NextAsync("quorum")).GetProperty("revision").GetInt64();
        await client.PostAsJsonAsync(uri, new { state = "acknowledged", note = "on it" });
        await watcher.NextAsync("quorum", where: q => q.GetProperty("revision").GetInt64() > subscribed);

        var repeat = await client.PostAsJsonAsync(uri, new { state = "acknowledged", note = "on it" });

        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watcher.NextAsync("quorum", TimeSpan.FromSeconds(1)));
    }
    [Fact]
    public async Task Watching_takes_each_change_as_one_update_with_the_same_fragments_and_quorum_as_subscribing()
    {
        var incident = await DemoIncident.LoadAsync(portal);
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);
        var key = await PendingKeyAsync(incident, 3);
        await using var subscribed = await HubWatcher.ConnectAsync(portal);
        await using var watching = await HubWatcher.ConnectAsync(portal);
        await subscribed.InvokeAsync("Subscribe", incident.Id);
        await watching.InvokeAsync("Watch", incident.Id);
        var before = (await watching.NextAsync("quorum")).GetProperty("revision").GetInt64();
        await subscribed.NextAsync("quorum");

        var response = await portal.CreateApiClient(commander.Token).PostAsJsonAsync(
            new Uri($"/api/v1/incidents/{incident.Id}/validators/{key}/status", UriKind.Relative), new { state = "downloading" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var revision = await portal.Database.ScalarAsync<long>($"SELECT revision FROM incidents WHERE id = '{incident.Id}'");
        Assert.True(revision > before);

        var update = await watching.NextAsync("update");
        var separate = await subscribed.UntilQuorumAsync(revision);

        // The same regions and HTML as the fragment messages of that change, in one message, with the same quorum document.
        Assert.Equal(revision, update.GetProperty("revision").GetInt64());
        Assert.Equal(separate.Single(m => m.Target == "quorum" && m.Argument.GetProperty("revision").GetInt64() == revision).Argument.GetRawText(), update.GetProperty("quorum").GetRawText());
        var fragments = update.GetProperty("fragments").EnumerateArray().ToList();
        Assert.Equal(
            separate.Where(m => m.Target == "fragment").Select(m => (m.Argument.GetProperty("target").GetString(), m.Argument.GetProperty("html").GetString())),
            fragments.Select(f => (f.GetProperty("target").GetString(), f.GetProperty("html").GetString())));
        Assert.Contains(fragments, f => f.GetProperty("target").GetString() == "validator-" + key && f.GetProperty("html").GetString()!.Contains("downloading", StringComparison.Ordinal));
        Assert.All(fragments, f => Assert.Equal(revision, f.GetProperty("revision").GetInt64()));
        Assert.Equal(["incident-header", "quorum", "timeline", "validator-" + key], fragments.Select(f => f.GetProperty("target").GetString()!));

        // Nothing else for the watcher: no per-fragment messages and no separate quorum document for that change.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching.NextAsync("fragment", TimeSpan.FromMilliseconds(500)));
        Assert.DoesNotContain(watching.Drain(), m => m.Target == "quorum" && m.Argument.GetProperty("revision").GetInt64() == revision);
    }

    [Fact]
    public async Task Watching_an_unknown_incident_is_an_error()
    {
        await using var hub = await HubWatcher.ConnectAsync(portal);

        var error = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => hub.InvokeAsync("Watch", Guid.NewGuid()));

        Assert.Contains("No incident", error.Message, StringComparison.Ordinal);
    }
}
