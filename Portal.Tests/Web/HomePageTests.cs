using System.Net;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using Rest = Portal.Tests.Web.Api.Api;

namespace Portal.Tests.Web;

public sealed class HomePageTests(DemoPortalFactory portal) : IClassFixture<DemoPortalFactory>
{
    [Fact]
    public async Task The_home_page_lists_the_seeded_cybermiles_network_and_incident_from_the_database()
    {
        var response = await portal.CreateClient().GetAsync(new Uri("/", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("CVM crash halts mainnet at block 1724747", html, StringComparison.Ordinal);
        Assert.Contains("halted at block 1,724,747", html, StringComparison.Ordinal);
        // The demo is a drill: listed under Drills, at 17:30 EST of its story (North America ready).
        var drills = html.IndexOf("id=\"drills\"", StringComparison.Ordinal);
        Assert.True(drills > 0, "no drills list");
        Assert.Contains("6 of 24 validators ready", html[drills..], StringComparison.Ordinal);
        Assert.Contains("class=\"badge text-bg-secondary incident-status\">coordinating</span>", html[drills..], StringComparison.Ordinal);
        Assert.Contains("No incidents.", html[..drills], StringComparison.Ordinal);
        Assert.Contains("<code>cybermiles-mainnet</code>", html, StringComparison.Ordinal);
        Assert.Contains("more than 2/3 of stake", html, StringComparison.Ordinal);
        Assert.Matches("lib/bootstrap/css/bootstrap\\.min\\.[0-9a-z]{10}\\.css", html);
    }

    [Fact]
    public async Task Seeding_twice_changes_nothing()
    {
        var before = await portal.Database.ScalarAsync<long>("SELECT count(*) FROM validators");

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<Portal.Web.Features.Demo.DemoSeeder>().SeedAsync();
        }

        Assert.Equal(24L, before);
        Assert.Equal(24L, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM validators"));
        Assert.Equal(1L, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM incidents"));
        Assert.Equal("240000000000000000000000000", await portal.Database.ScalarAsync<string>("SELECT sum(stake)::text FROM incident_validators"));
    }

    [Fact]
    public async Task An_unknown_address_gets_a_friendly_404_page()
    {
        var response = await portal.CreateClient().GetAsync(new Uri("/no/such/page", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("There is nothing at this address", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Static_assets_from_npm_are_served()
    {
        var response = await portal.CreateClient().GetAsync(new Uri("/lib/bootstrap/css/bootstrap.min.css", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Bootstrap", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

/// <summary>The home page's status badges read as the rest of the portal words a status ("quorum reached"), not as enum names.</summary>
public sealed class HomePageStatusTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    /// <summary>The home page's list item of one incident, from its title link to its links.</summary>
    private static string ItemOf(string html, Guid incidentId)
    {
        var start = html.IndexOf($"href=\"/status/{incidentId}\"", StringComparison.Ordinal);
        Assert.True(start > 0, $"incident {incidentId} is not on the home page");
        return html[start..html.IndexOf("incident-links", start, StringComparison.Ordinal)];
    }

    [Fact]
    public async Task Status_badges_say_quorum_reached_and_resumed_in_words()
    {
        var reached = await ApiScenario.CreateAsync(portal, count: 3);
        await reached.ReportAllAsync("ready", [0, 1, 2]);
        var resumed = await ApiScenario.CreateAsync(portal, count: 3);
        await resumed.ReportAllAsync("ready", [0, 1, 2]);
        await Rest.OkAsync(await resumed.Admin.PostAsync(Rest.Path($"{resumed.Base}/status"), Rest.Json(new { status = "resumed" })));
        var fresh = await ApiScenario.CreateAsync(portal, count: 3);

        var html = await portal.CreateClient().GetStringAsync(Rest.Path("/"));

        Assert.Contains("incident-status\">quorum reached</span>", ItemOf(html, reached.IncidentId), StringComparison.Ordinal);
        Assert.Contains("incident-status\">resumed</span>", ItemOf(html, resumed.IncidentId), StringComparison.Ordinal);
        Assert.Contains("incident-status\">investigating</span>", ItemOf(html, fresh.IncidentId), StringComparison.Ordinal);
        Assert.DoesNotContain("QuorumReached", html, StringComparison.Ordinal);
        Assert.DoesNotContain(">Resumed<", html, StringComparison.Ordinal);
    }
}
