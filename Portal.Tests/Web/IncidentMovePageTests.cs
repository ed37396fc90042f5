using System.Net;
using System.Text.RegularExpressions;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using Rest = Portal.Tests.Web.Api.Api;

namespace Portal.Tests.Web;

/// <summary>The commander's Move form on the incident page: only the domain's allowed moves, no default, and a confirmation step.</summary>
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

    private static string Page(ApiScenario scenario) => $"/incidents/{scenario.IncidentId}";

    private async Task<string> StatusAsync(ApiScenario scenario) =>
        (await portal.Database.ScalarAsync<string>($"SELECT status FROM incidents WHERE id = '{scenario.IncidentId}'"))!;

    [Fact]
    public async Task The_move_list_offers_only_allowed_moves_and_defaults_to_none()
    {
        var (client, scenario) = await CoordinatingAsync();

        var html = await client.GetStringAsync(Rest.Path(Page(scenario)));

        var select = MoveSelect().Match(html);
        Assert.True(select.Success, "no Move form on the page");
        var options = OptionValue().Matches(select.Value).Select(m => m.Groups[1].Value).ToArray();
        Assert.True(options.SequenceEqual(["", "Resumed", "Closed"]), select.Value);
        Assert.Matches("^<select[^>]*><option value(=\"\")? selected", select.Value);
        Assert.Single(Regex.Matches(select.Value, " selected"));
    }

    [Fact]
    public async Task Choosing_resumed_before_quorum_asks_for_confirmation_and_a_reason_and_moves_only_when_given()
    {
        var (client, scenario) = await CoordinatingAsync();

        var chosen = await FormPost.SubmitAsync(client, Page(scenario), "move", new Dictionary<string, string> { ["Next"] = "Resumed" });
        var html = WebUtility.HtmlDecode(await chosen.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, chosen.StatusCode);
        Assert.Contains("id=\"move-confirm-form\"", html, StringComparison.Ordinal);
        Assert.Contains("Quorum is not reached: 0.00% ready.", html, StringComparison.Ordinal);
        Assert.Contains("name=\"Confirm.Reason\"", html, StringComparison.Ordinal);
        Assert.Equal("Coordinating", await StatusAsync(scenario));

        var noReason = await FormPost.SubmitAsync(client, Page(scenario), "move-confirm", new Dictionary<string, string> { ["Confirm.Status"] = "Resumed" });
        var refused = WebUtility.HtmlDecode(await noReason.Content.ReadAsStringAsync());
        Assert.True(refused.Contains("Give a reason of at least 10 characters", StringComparison.Ordinal), MoveCard().Match(refused).Value);
        Assert.Contains("id=\"move-confirm-form\"", refused, StringComparison.Ordinal);
        Assert.Equal("Coordinating", await StatusAsync(scenario));

        var confirmed = await FormPost.SubmitAsync(client, Page(scenario), "move-confirm", new Dictionary<string, string>
        {
            ["Confirm.Status"] = "Resumed",
            ["Confirm.Reason"] = "Blocks are being produced again.",
        });
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal("Resumed", await StatusAsync(scenario));
        var last = (await scenario.TimelineAsync())[^1];
        Assert.Equal("incident-status-override", last.GetProperty("kind").GetString());
        Assert.EndsWith("Reason: Blocks are being produced again.", last.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_move_the_domain_refuses_is_not_offered_for_confirmation()
    {
        var (client, scenario) = await CoordinatingAsync();

        var response = await FormPost.SubmitAsync(client, Page(scenario), "move", new Dictionary<string, string> { ["Next"] = "Fixing" });

        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains("cannot move to fixing", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"move-confirm-form\"", html, StringComparison.Ordinal);
        Assert.Equal("Coordinating", await StatusAsync(scenario));
    }

    [GeneratedRegex("<select name=\"Next\".*?</select>", RegexOptions.Singleline)]
    private static partial Regex MoveSelect();

    [GeneratedRegex("<section class=\"card mb-3\" id=\"manage\">.*?</section>", RegexOptions.Singleline)]
    private static partial Regex MoveCard();

    [GeneratedRegex("<option value(?:=\"([^\"]*)\")?")]
    private static partial Regex OptionValue();
}
