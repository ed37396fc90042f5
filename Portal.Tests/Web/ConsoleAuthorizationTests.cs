using System.Security.Claims;
using Portal.Domain;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using Portal.Web.Components.Console;
using Portal.Web.Features.Incidents;

namespace Portal.Tests.Web;

/// <summary>
/// The commander's actions on the console (move, edit, post an update, report on behalf) called the way the
/// console calls them, through a circuit's <see cref="OperationScope"/>, by users who are not commanders: the
/// service refuses each and nothing changes, whatever buttons the page shows. Their principals even claim
/// the commander role, as a stale cookie might: the database's roles decide.
/// </summary>
public sealed class ConsoleAuthorizationTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static ClaimsPrincipal Claiming(TestUser user) => ForgedCircuit.Claiming(user, "commander");

    private OperationScope CircuitOf(ClaimsPrincipal user) => ForgedCircuit.For(portal, user);

    [Theory]
    [InlineData("operator")]
    [InlineData("observer")]
    [InlineData("anonymous")]
    public async Task Someone_who_is_not_a_commander_gets_no_commander_action_through_the_circuit(string who)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);
        var user = who switch
        {
            "operator" => Claiming((await scenario.OperatorAsync(0)).User),
            "observer" => Claiming(await TestUsers.CreateAsync(portal, ["observer"])),
            _ => new ClaimsPrincipal(new ClaimsIdentity()),
        };
        var circuit = CircuitOf(user);
        var revision = await scenario.RevisionAsync();
        var id = scenario.IncidentId;

        await Assert.ThrowsAsync<ForbiddenException>(() => circuit.RunAsync((IncidentService s) => s.MoveAsync(id, IncidentStatus.Closed, "Closing it from a page that hid the button.", "x")));
        await Assert.ThrowsAsync<ForbiddenException>(() => circuit.RunAsync((IncidentService s) => s.EditAsync(id, "Renamed by someone else", null, "x")));
        await Assert.ThrowsAsync<ForbiddenException>(() => circuit.RunAsync((IncidentService s) => s.PostUpdateAsync(id, "**not** a commander", "x")));
        // Seat 1 is bound to nobody: reporting for it is a report on someone's behalf.
        await Assert.ThrowsAsync<ForbiddenException>(() => circuit.RunAsync((IncidentService s) =>
            s.ReportAsync(id, scenario.Keys[1], ValidatorState.Acknowledged, null, "on behalf", user, idempotencyKey: null)));

        Assert.Equal(revision, await scenario.RevisionAsync());
        Assert.Equal("Pending", await scenario.StoredStateAsync(1));
        Assert.Equal("Investigating", await portal.Database.ScalarAsync<string>($"SELECT status FROM incidents WHERE id = '{id}'"));
        Assert.Equal(0L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM timeline_events WHERE incident_id = '{id}' AND kind IN ('incident-update', 'incident-edited')"));
    }

    [Fact]
    public async Task A_commander_through_the_same_circuit_path_is_let_through()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);
        var circuit = CircuitOf(Claiming(commander));

        await circuit.RunAsync((IncidentService s) => s.PostUpdateAsync(scenario.IncidentId, "Hotfix is being built.", commander.UserName));

        Assert.Equal(1L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM timeline_events WHERE incident_id = '{scenario.IncidentId}' AND kind = 'incident-update'"));
    }
}
