using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using Rest = Portal.Tests.Web.Api.Api;

namespace Portal.Tests.Web;

/// <summary>
/// The public page's stake chart travels with the live updates: with the first change a public watcher sees, then
/// not again within <c>IncidentBroadcaster.ChartEvery</c>, and at once when the incident's status changes.
/// </summary>
public sealed class PublicStakeChartLiveTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Public_watchers_get_the_chart_with_a_change_at_most_every_30_s_and_at_once_when_quorum_is_reached()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);
        await scenario.PublishReleaseAsync();
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);
        await using var anonymous = await HubWatcher.ConnectAsync(portal);
        await using var signedIn = await HubWatcher.ConnectAsync(portal, commander.Token);
        await anonymous.InvokeAsync("WatchPublic", scenario.IncidentId);
        await signedIn.InvokeAsync("Watch", scenario.IncidentId);
        await anonymous.NextAsync("quorum");
        await signedIn.NextAsync("quorum");

        async Task<(string? Public, string? SignedIn)> ReportAsync(int seat)
        {
            await Rest.OkAsync(await scenario.ReportAsync(scenario.Admin, seat, "ready", version: Rest.Hotfix));
            var revision = await scenario.RevisionAsync();
            return (Chart(await anonymous.UntilQuorumAsync(revision)), Chart(await signedIn.UntilQuorumAsync(revision)));
        }

        var first = await ReportAsync(0);
        var second = await ReportAsync(1);
        var quorum = await ReportAsync(2);

        Assert.NotNull(first.Public);
        Assert.Contains("ready 33.33", Summary(first.Public), StringComparison.Ordinal);
        Assert.Null(second.Public); // within 30 s of the first, and the status did not change
        Assert.NotNull(quorum.Public);
        Assert.Contains("data-kind=\"quorum\"", quorum.Public, StringComparison.Ordinal);
        Assert.Contains("ready 100", Summary(quorum.Public), StringComparison.Ordinal);
        Assert.Contains("Quorum reached", Summary(quorum.Public), StringComparison.Ordinal);

        // The console draws its own chart in its circuit; the signed-in page group is not sent one.
        Assert.Null(first.SignedIn);
        Assert.Null(quorum.SignedIn);
    }

    /// <summary>The chart's HTML among the received updates, the newest if several; null if none carried it.</summary>
    private static string? Chart(List<HubMessage> messages) => messages
        .Where(m => m.Target == "update")
        .SelectMany(m => m.Argument.GetProperty("fragments").EnumerateArray())
        .Where(f => f.GetProperty("target").GetString() == "stake-chart")
        .Select(f => f.GetProperty("html").GetString())
        .LastOrDefault();

    private static string Summary(string html)
    {
        var start = html.IndexOf("id=\"stake-chart-summary\"", StringComparison.Ordinal);
        Assert.True(start >= 0, "the chart has no summary line");
        return html[start..html.IndexOf("</p>", start, StringComparison.Ordinal)];
    }
}
