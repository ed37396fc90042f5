using System.Security.Claims;
using Portal.Domain;
using Portal.Tests.Infrastructure;
using Portal.Web.Components.Console;
using Portal.Web.Features.Drills;
using Portal.Web.Features.Incidents;

namespace Portal.Tests.Web;

/// <summary>
/// The console's "Run a drill" calls <see cref="DrillService.StartAsync"/> through the circuit's
/// <see cref="OperationScope"/>. Whoever is not an admin or commander in the database is refused there, before a
/// token is made or anything declared, even with a principal claiming the commander role; a commander's plan out
/// of range is refused with a message.
/// </summary>
public sealed class DrillConsoleAuthorizationTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static ClaimsPrincipal Claiming(TestUser user) => ForgedCircuit.Claiming(user, "commander");

    private OperationScope CircuitOf(ClaimsPrincipal user) => ForgedCircuit.For(portal, user);

    private static readonly Uri Portal = new("http://localhost/");

    [Theory]
    [InlineData("operator")]
    [InlineData("observer")]
    [InlineData("coredev")]
    [InlineData("anonymous")]
    public async Task Someone_who_is_not_a_commander_or_admin_cannot_start_a_drill_through_the_circuit(string who)
    {
        var user = who == "anonymous" ? new ClaimsPrincipal(new ClaimsIdentity()) : Claiming(await TestUsers.CreateAsync(portal, [who]));
        var drills = await portal.Database.ScalarAsync<long>("SELECT count(*) FROM incidents WHERE is_drill");
        var tokens = await portal.Database.ScalarAsync<long>("SELECT count(*) FROM api_tokens WHERE name = 'drill simulator'");
        var runs = portal.Services.GetRequiredService<DrillRuns>().All.Count;

        await Assert.ThrowsAsync<ForbiddenException>(() => CircuitOf(user).RunAsync((DrillService s) => s.StartAsync(new DrillPlan(Validators: 2, SecondsPerSimulatedHour: 0), Portal)));

        Assert.Equal(drills, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM incidents WHERE is_drill"));
        Assert.Equal(tokens, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM api_tokens WHERE name = 'drill simulator'"));
        Assert.Equal(runs, portal.Services.GetRequiredService<DrillRuns>().All.Count);
    }

    [Theory]
    [InlineData(0, 60)]
    [InlineData(201, 60)]
    [InlineData(3, -1)]
    [InlineData(3, 3601)]
    [InlineData(3, double.NaN)]
    public async Task A_commanders_plan_out_of_range_is_refused_with_a_message(int validators, double secondsPerHour)
    {
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);
        var runs = portal.Services.GetRequiredService<DrillRuns>().All.Count;

        var refused = await Assert.ThrowsAsync<DomainException>(() => CircuitOf(Claiming(commander)).RunAsync((DrillService s) =>
            s.StartAsync(new DrillPlan(Validators: validators, SecondsPerSimulatedHour: secondsPerHour), Portal)));

        Assert.StartsWith("A drill", refused.Message, StringComparison.Ordinal);
        Assert.Equal(runs, portal.Services.GetRequiredService<DrillRuns>().All.Count);
    }

    [Theory]
    [InlineData(new[] { "commander" }, true, "core developer")]
    [InlineData(new[] { "commander" }, false, "core developer")]
    [InlineData(new[] { "commander", "coredev" }, false, "Only an admin may add a drill network")]
    public async Task A_commander_is_told_up_front_what_a_drill_would_need_and_nothing_is_declared(string[] roles, bool existingNetwork, string expected)
    {
        var commander = await TestUsers.CreateAsync(portal, roles);
        var network = existingNetwork ? (await Web.Api.ApiScenario.CreateAsync(portal, count: 1)).NetworkId : (Guid?)null;
        var runs = portal.Services.GetRequiredService<DrillRuns>().All.Count;
        var drills = await portal.Database.ScalarAsync<long>("SELECT count(*) FROM incidents WHERE is_drill");

        var refused = await Assert.ThrowsAsync<ForbiddenException>(() => CircuitOf(Claiming(commander)).RunAsync((DrillService s) =>
            s.StartAsync(new DrillPlan(NetworkId: network, Validators: 3, SecondsPerSimulatedHour: 0), Portal)));

        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
        Assert.Equal(runs, portal.Services.GetRequiredService<DrillRuns>().All.Count);
        Assert.Equal(drills, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM incidents WHERE is_drill"));
    }
}
