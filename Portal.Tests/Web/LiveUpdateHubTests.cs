using System.Text.Json;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using Portal.Web.Features.Live;
using Rest = Portal.Tests.Web.Api.Api;

namespace Portal.Tests.Web;

/// <summary>A change that re-renders hundreds of rows reaches a watching page as several bounded updates.</summary>
public sealed class LiveUpdateHubTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task A_change_to_every_row_comes_as_several_updates_holding_every_fragment_once_and_the_quorum_document_last()
    {
        const int count = 300;
        var scenario = await ApiScenario.CreateAsync(portal, count: count);
        await using var watching = await HubWatcher.ConnectAsync(portal);
        await using var subscribed = await HubWatcher.ConnectAsync(portal);
        await watching.InvokeAsync("Watch", scenario.IncidentId);
        await subscribed.InvokeAsync("Subscribe", scenario.IncidentId);
        await watching.NextAsync("quorum");
        await subscribed.NextAsync("quorum");

        // Every row's name changes: one change, every row re-rendered.
        await Rest.OkAsync(await scenario.Admin.PutAsync(Rest.Path($"{scenario.Base}/validator-set"), Rest.Json(new
        {
            height = Rest.HaltHeight,
            validators = Enumerable.Range(0, count).Select(i => Rest.Row(scenario.Keys[i], $"Renamed {i:000}", Rest.CyberMilesStake, "Asia/Tokyo")).ToArray(),
        })));
        var revision = await scenario.RevisionAsync();

        var updates = new List<JsonElement>();
        while (updates.Count == 0 || updates[^1].GetProperty("quorum").ValueKind == JsonValueKind.Null)
        {
            updates.Add(await watching.NextAsync("update", where: u => u.GetProperty("revision").GetInt64() == revision));
        }

        Assert.True(updates.Count > 1, "a 300-row change in one message");
        Assert.All(updates, u => Assert.InRange(u.GetProperty("fragments").EnumerateArray().Sum(f => f.GetProperty("html").GetString()!.Length), 1, IncidentBroadcaster.UpdateBytes));
        Assert.Equal(revision, updates[^1].GetProperty("quorum").GetProperty("revision").GetInt64());

        // The same fragments, in the same order, as the contract's subscriber got one by one.
        var separate = await subscribed.UntilQuorumAsync(revision);

        var merged = updates.SelectMany(u => u.GetProperty("fragments").EnumerateArray()).Select(f => f.GetProperty("target").GetString()).ToList();
        Assert.Equal(separate.Where(m => m.Target == "fragment" && m.Argument.GetProperty("revision").GetInt64() == revision).Select(m => m.Argument.GetProperty("target").GetString()), merged);
        Assert.Equal(count, merged.Count(t => t!.StartsWith("validator-", StringComparison.Ordinal)));
    }
}
