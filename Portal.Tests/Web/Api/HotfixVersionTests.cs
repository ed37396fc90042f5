using System.Net;
using Portal.Tests.Infrastructure;
using Rest = Portal.Tests.Web.Api.Api;

namespace Portal.Tests.Web.Api;

/// <summary>While a hotfix is published, upgraded and ready name its version (API and the page's form); commanders report on behalf with a note.</summary>
public sealed class HotfixVersionTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("ready", null)]
    [InlineData("ready", "v0.1.7")]
    [InlineData("upgraded", null)]
    [InlineData("upgraded", "v0.1.8-BETA-HOTFIX")]
    public async Task Upgraded_or_ready_without_the_published_version_is_409_naming_it(string state, string? version)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);
        await scenario.PublishReleaseAsync();
        var revision = await scenario.RevisionAsync();

        var problem = await Rest.ProblemAsync(await scenario.ReportAsync(scenario.Admin, 0, state, version), HttpStatusCode.Conflict);

        Assert.Contains($"The published hotfix is {Rest.Hotfix}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("Pending|", await scenario.StoredRowAsync(0), StringComparison.Ordinal);
        Assert.Equal(revision, await scenario.RevisionAsync());
    }

    [Fact]
    public async Task The_published_version_is_accepted_and_other_states_need_none()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);
        await scenario.PublishReleaseAsync();

        await Rest.OkAsync(await scenario.ReportAsync(scenario.Admin, 0, "ready", Rest.Hotfix));
        await Rest.OkAsync(await scenario.ReportAsync(scenario.Admin, 1, "downloading"));
        await Rest.OkAsync(await scenario.ReportAsync(scenario.Admin, 2, "blocked", note: "Disk full"));
        Assert.StartsWith($"Ready|{Rest.Hotfix}|", await scenario.StoredRowAsync(0), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Before_any_hotfix_is_published_any_version_is_taken()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);

        await Rest.OkAsync(await scenario.ReportAsync(scenario.Admin, 0, "upgraded", "v0.1.7"));
        await Rest.OkAsync(await scenario.ReportAsync(scenario.Admin, 1, "ready"));
    }

    [Fact]
    public async Task The_console_form_starts_with_the_hotfix_and_a_commander_reports_on_behalf_with_a_note()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);
        await scenario.PublishReleaseAsync();
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);
        var (@operator, _) = await scenario.OperatorAsync(1);
        var client = portal.CreateHttpsClient();
        await FormPost.SignInAsync(client, @operator.UserName, @operator.Password);
        var page = $"/incidents/{scenario.IncidentId}";

        // The console's report form (the signed-in user's own validators; commanders report for others from the
        // rows) starts with the published version filled in (the dialogs are driven in CommanderConsoleBrowserTests).
        Assert.Matches($"<input[^>]*id=\"report-version\"[^>]*value=\"{System.Text.RegularExpressions.Regex.Escape(Rest.Hotfix)}\"", await client.GetStringAsync(Rest.Path(page)));

        // What the form relies on is the service's rule, the same for the console and the API.
        using var api = portal.CreateApiClient(commander.Token);
        var wrong = await Rest.ProblemAsync(await scenario.ReportAsync(api, 0, "ready", "v0.1.7"), HttpStatusCode.Conflict);
        Assert.Contains($"The published hotfix is {Rest.Hotfix}, not v0.1.7", wrong.GetRawText(), StringComparison.Ordinal);
        Assert.StartsWith("Pending|", await scenario.StoredRowAsync(0), StringComparison.Ordinal);

        await Rest.OkAsync(await scenario.ReportAsync(api, 0, "ready", Rest.Hotfix, "Operator confirmed by phone"));
        Assert.Equal($"Ready|{Rest.Hotfix}|Operator confirmed by phone", string.Join('|', (await scenario.StoredRowAsync(0)).Split('|')[..3]));
        var last = (await scenario.TimelineAsync())[^1];
        Assert.Equal($"{commander.UserName} (on behalf of the operator)", last.GetProperty("actor").GetString());
        Assert.EndsWith("— Operator confirmed by phone.", last.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }
}
