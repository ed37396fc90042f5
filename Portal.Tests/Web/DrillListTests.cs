using System.Net;
using System.Security.Claims;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Incidents;
using Portal.Web.Features.Operators;
using Portal.Web.Features.Overview;
using Portal.Web.Features.Releases;
using Rest = Portal.Tests.Web.Api.Api;

namespace Portal.Tests.Web;

/// <summary>
/// Every list of incidents keeps a drill apart from the real ones: the home page's lists (and so its counts), the
/// releases page, an operator's own validators, and the admin's timeline checks list real incidents first and
/// mark each drill, whichever was declared last.
/// </summary>
public sealed class DrillListTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private sealed record Story(Guid Real, Guid Drill, TestUser Operator);

    /// <summary>A real incident, then a drill declared after it (so newest-first alone would put the drill on top), one operator in both.</summary>
    private async Task<Story> DeclareBothAsync()
    {
        var admin = portal.CreateApiClient();
        var chainId = $"lists-{Guid.NewGuid():N}"[..20];
        var network = await Rest.OkAsync(await admin.PostAsync(Rest.Path("/api/v1/networks"), Rest.Json(new { name = "Listnet", chainId, quorum = new { numerator = 2, denominator = 3, strict = true } })), HttpStatusCode.Created);
        var networkId = network.GetProperty("id").GetGuid();
        var key = Api.ApiScenario.KeyFor(chainId, 0);
        var ids = new List<Guid>();
        foreach (var drill in new[] { false, true })
        {
            var incident = await Rest.OkAsync(await admin.PostAsync(Rest.Path("/api/v1/incidents"), Rest.Json(new { networkId, title = $"{(drill ? "Practice" : "Real")} halt {chainId}", haltHeight = 5, drill })), HttpStatusCode.Created);
            var id = incident.GetProperty("id").GetGuid();
            await Rest.OkAsync(await admin.PutAsync(Rest.Path($"/api/v1/incidents/{id}/validator-set"), Rest.Json(new { height = 5, validators = new[] { Rest.Row(key, "Only validator", "10") } })));
            ids.Add(id);
        }

        var validatorId = await portal.Database.ScalarAsync<Guid>($"SELECT id FROM validators WHERE network_id = '{networkId}' AND key = '{key}'");
        return new Story(ids[0], ids[1], await TestUsers.CreateAsync(portal, ["operator"], [validatorId]));
    }

    private static ClaimsPrincipal As(TestUser user) => new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()), new Claim(ClaimTypes.Name, user.UserName)], "test"));

    private async Task<T> AsAsync<TService, T>(TestUser user, Func<TService, ClaimsPrincipal, Task<T>> call)
        where TService : notnull
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var principal = As(user);
        scope.ServiceProvider.GetRequiredService<CallerAccess>().Principal = principal;
        return await call(scope.ServiceProvider.GetRequiredService<TService>(), principal);
    }

    [Fact]
    public async Task The_home_pages_real_incidents_never_include_a_drill_and_its_drills_are_only_drills()
    {
        var story = await DeclareBothAsync();
        await using var scope = portal.Services.CreateAsyncScope();
        var overview = scope.ServiceProvider.GetRequiredService<OverviewService>();

        var real = await overview.IncidentsAsync();
        var drills = await overview.DrillsAsync();

        Assert.Contains(real, i => i.Id == story.Real);
        Assert.DoesNotContain(real, i => i.Id == story.Drill);
        Assert.All(real, i => Assert.False(i.IsDrill));
        Assert.Contains(drills, i => i.Id == story.Drill);
        Assert.All(drills, i => Assert.True(i.IsDrill));
        Assert.Equal(await portal.Database.ScalarAsync<long>("SELECT count(*) FROM incidents WHERE NOT is_drill"), real.Count);
    }

    [Fact]
    public async Task The_home_pages_validator_count_leaves_out_validators_seen_only_in_drills_and_says_how_many_those_are()
    {
        var story = await DeclareBothAsync();
        var networkId = await portal.Database.ScalarAsync<Guid>($"SELECT network_id FROM incidents WHERE id = '{story.Drill}'");
        // A drill on the real network brings simulated validators of its own, as the simulator's set does.
        var admin = portal.CreateApiClient();
        var real = await portal.Database.ScalarAsync<string>($"SELECT key FROM validators WHERE network_id = '{networkId}'");
        var rows = new[] { Rest.Row(real!, "Only validator", "10"), Rest.Row(Api.ApiScenario.KeyFor($"{networkId}-drill", 1), "Drill Tokyo 2", "10") };
        await Rest.OkAsync(await admin.PutAsync(Rest.Path($"/api/v1/incidents/{story.Drill}/validator-set"), Rest.Json(new { height = 5, validators = rows })));
        Assert.Equal(2L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM validators WHERE network_id = '{networkId}'"));

        await using var scope = portal.Services.CreateAsyncScope();
        var network = (await scope.ServiceProvider.GetRequiredService<OverviewService>().NetworksAsync()).Single(n => n.Id == networkId);

        Assert.Equal(1, network.Validators);
        Assert.Equal(1, network.DrillOnly);
    }

    [Fact]
    public async Task The_releases_page_lists_real_incidents_first_and_marks_the_drill()
    {
        var story = await DeclareBothAsync();
        var admin = await TestUsers.CreateAsync(portal, ["admin"]);

        var groups = await AsAsync<ReleaseService, IReadOnlyList<IncidentReleases>>(admin, (s, _) => s.ListAsync());

        var real = groups.Single(g => g.IncidentId == story.Real);
        var drill = groups.Single(g => g.IncidentId == story.Drill);
        Assert.False(real.IsDrill);
        Assert.True(drill.IsDrill);
        Assert.Equal(groups.OrderBy(g => g.IsDrill).Select(g => g.IncidentId), groups.Select(g => g.IncidentId));
    }

    [Fact]
    public async Task An_operators_validators_in_real_incidents_come_before_those_in_drills_which_are_marked()
    {
        var story = await DeclareBothAsync();

        var mine = await AsAsync<OperatorDesk, IReadOnlyList<OperatorAssignment>>(story.Operator, (s, principal) => s.MineAsync(principal));

        Assert.Equal([story.Real, story.Drill], mine.Select(a => a.IncidentId));
        Assert.Equal([false, true], mine.Select(a => a.IsDrill));
    }

    [Fact]
    public async Task The_timeline_checks_list_real_incidents_first_and_mark_the_drill()
    {
        var story = await DeclareBothAsync();
        var admin = await TestUsers.CreateAsync(portal, ["admin"]);

        var checks = await AsAsync<TimelineIntegrityService, IReadOnlyList<TimelineCheck>>(admin, (s, principal) => s.CheckAllAsync(principal));

        Assert.False(checks.Single(c => c.IncidentId == story.Real).IsDrill);
        Assert.True(checks.Single(c => c.IncidentId == story.Drill).IsDrill);
        Assert.Equal(checks.OrderBy(c => c.IsDrill).Select(c => c.IncidentId), checks.Select(c => c.IncidentId));
    }
}
