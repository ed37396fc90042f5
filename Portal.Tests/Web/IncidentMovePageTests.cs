using System.Net;
using System.Text.RegularExpressions;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using Rest = Portal.Tests.Web.Api.Api;

namespace Portal.Tests.Web;

/// <summary>
/// The commander's Move on the incident console offers only the domain's allowed moves, none chosen for them;
/// the confirmation dialog and the override reason are driven in Chromium (CommanderConsoleBrowserTests), and
/// the rules behind them are the service's, checked here through the API.
/// </summary>
public sealed partial class IncidentMovePageTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private async Task<(HttpClient Client, ApiScenario Scenario)> CoordinatingAsync()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        await Rest.OkAsync(await scenario.Admin.PostAsync(Rest.Path($"{scenario.Base}/status"), Rest.Json(new { status = "coordinating" })));
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);
        var client = portal.CreateHttpsClient();
        await FormPost.SignInAsync(client, commander.UserName, commander.Password);
        return (client, scenario);
    }

    private async Task<string> StatusAsync(ApiScenario scenario) =>
        (await portal.Database.ScalarAsync<string>($"SELECT status FROM incidents WHERE id = '{scenario.IncidentId}'"))!;

    [Fact]
    public async Task The_console_offers_only_allowed_moves_and_none_is_chosen_for_the_commander()
    {
        var (client, scenario) = await CoordinatingAsync();

        var html = await client.GetStringAsync(Rest.Path($"/incidents/{scenario.IncidentId}"));

        var moves = Moves().Match(html);
        Assert.True(moves.Success, "no moves on the console");
        var offered = MoveButton().Matches(moves.Value).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["resumed", "closed"], offered);
        Assert.DoesNotContain("move-confirm-status", html, StringComparison.Ordinal);
        Assert.Equal("Coordinating", await StatusAsync(scenario));
    }

    [Fact]
    public async Task Resuming_before_quorum_needs_a_reason_and_is_recorded_as_an_override()
    {
        var (_, scenario) = await CoordinatingAsync();
        using var commander = await scenario.ClientAsync("commander");

        var noReason = await Rest.ProblemAsync(await commander.PostAsync(Rest.Path($"{scenario.Base}/status"), Rest.Json(new { status = "resumed" })), HttpStatusCode.Conflict);
        Assert.Contains("Give a reason of at least 10 characters", noReason.GetRawText(), StringComparison.Ordinal);
        await Rest.ProblemAsync(await commander.PostAsync(Rest.Path($"{scenario.Base}/status"), Rest.Json(new { status = "resumed", reason = "too short" })), HttpStatusCode.Conflict);
        Assert.Equal("Coordinating", await StatusAsync(scenario));

        await Rest.OkAsync(await commander.PostAsync(Rest.Path($"{scenario.Base}/status"), Rest.Json(new { status = "resumed", reason = "Blocks are being produced again." })));
        Assert.Equal("Resumed", await StatusAsync(scenario));
        var last = (await scenario.TimelineAsync())[^1];
        Assert.Equal("incident-status-override", last.GetProperty("kind").GetString());
        Assert.EndsWith("Reason: Blocks are being produced again.", last.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_move_the_domain_refuses_changes_nothing()
    {
        var (_, scenario) = await CoordinatingAsync();
        using var commander = await scenario.ClientAsync("commander");

        var response = await commander.PostAsync(Rest.Path($"{scenario.Base}/status"), Rest.Json(new { status = "fixing" }));

        var problem = await Rest.ProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Contains("cannot move to fixing", problem.GetRawText(), StringComparison.Ordinal);
        Assert.Equal("Coordinating", await StatusAsync(scenario));
    }

    [GeneratedRegex("<div class=\"d-flex flex-wrap gap-2 my-2\" id=\"moves\">.*?</div>", RegexOptions.Singleline)]
    private static partial Regex Moves();

    [GeneratedRegex("id=\"move-([a-z-]+)\"")]
    private static partial Regex MoveButton();
}
