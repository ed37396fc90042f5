using System.Net;
using Microsoft.Playwright;
using Portal.Data.Identity;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using static Microsoft.Playwright.Assertions;
using Rest = Portal.Tests.Web.Api.Api;

namespace Portal.Tests.Browser;

/// <summary>
/// The commander's console at /incidents/{id} in Chromium, on a 2,000-validator incident: the virtualized grid,
/// report on behalf with a note, a move through its confirmation dialog and an override with a reason, an
/// update posted in Markdown, the title edited, and an operator's report from another browser arriving live.
/// Desktop and a 390 px phone; axe on every state visited.
/// </summary>
public sealed class CommanderConsoleBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : LiveIncidentBrowserTest(portal, chromium), IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    private const int Validators = 2_000;

    private async Task<string> StatusAsync(ApiScenario scenario) =>
        (await Portal.Database.ScalarAsync<string>($"SELECT status FROM incidents WHERE id = '{scenario.IncidentId}'"))!;

    private static ILocator Dialog(IPage page) => page.Locator(".mud-dialog");

    /// <summary>axe once any snackbar has gone: one fading in or out is measured at part opacity.</summary>
    private static async Task AccessibleAsync(IPage page)
    {
        await Expect(page.Locator(".mud-snackbar")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        await page.AssertAccessibleAsync();
    }

    [Fact]
    public async Task A_commander_works_a_2000_validator_incident_from_the_console()
    {
        var scenario = await ApiScenario.CreateAsync(Portal, count: Validators);
        var commander = await TestUsers.CreateAsync(Portal, [Roles.Commander]);
        var path = $"/incidents/{scenario.IncidentId}";

        var page = await OpenConsoleAsync(commander, path, 1280, 900);
        await page.EvaluateAsync("() => { window.__noReload = 1; }");
        await Expect(page.Locator("#incident-status")).ToHaveTextAsync("investigating");
        await Expect(page.Locator("#validators-count")).ToContainTextAsync($"Showing {Validators} of {Validators}");
        await AccessibleAsync(page);

        // Virtualized: a screenful of rows in the document, not 2,000; the last one is reached by scrolling.
        var rendered = await page.Locator("#validators tbody tr[id^='validator-']").CountAsync();
        Assert.InRange(rendered, 1, 100);
        await page.Locator("#validator-sort").SelectOptionAsync("name");
        var last = scenario.Keys[999]; // "Validator 999" comes last by name
        await ScrollToTheEndUntilVisibleAsync(page, Row(page, last));
        Assert.InRange(await page.Locator("#validators tbody tr[id^='validator-']").CountAsync(), 1, 100);

        // Filter, then report on behalf with a note.
        var key = scenario.Keys[7];
        await page.Locator("#validator-search").FillAsync(key);
        await Expect(page.Locator("#validators-count")).ToContainTextAsync($"Showing 1 of {Validators}");
        await page.Locator($"#report-{key}").ClickAsync();
        await Expect(Dialog(page)).ToBeVisibleAsync();
        await AccessibleAsync(page);
        await page.Locator("#behalf-state").SelectOptionAsync(new SelectOptionValue { Label = "blocked" });
        await page.Locator("#behalf-note").FillAsync("operator on the phone: disk full");
        await page.Locator("#behalf-submit").ClickAsync();
        await Expect(Row(page, key)).ToHaveAttributeAsync("data-state", "blocked");
        await Expect(Row(page, key)).ToContainTextAsync("operator on the phone: disk full");
        Assert.Equal("Blocked", await Portal.Database.ScalarAsync<string>(
            $"SELECT iv.state FROM incident_validators iv JOIN validators v ON v.id = iv.validator_id WHERE iv.incident_id = '{scenario.IncidentId}' AND v.key = '{key}'"));
        Assert.Contains(await scenario.TimelineAsync(), e => e.GetProperty("actor").GetString() == $"{commander.UserName} (on behalf of the operator)");

        // A plain move: only the allowed ones are offered, and nothing moves before confirmation.
        await Expect(page.Locator("#moves button")).ToHaveTextAsync(["Move to fixing…", "Move to coordinating…", "Move to closed…"]);
        await Expect(page.Locator("#move-resumed")).ToHaveCountAsync(0);
        await page.Locator("#move-coordinating").ClickAsync();
        await Expect(page.Locator("#move-confirm-status")).ToHaveTextAsync("coordinating");
        await Expect(page.Locator("#move-override-warning")).ToHaveCountAsync(0);
        Assert.Equal("Investigating", await StatusAsync(scenario));
        await AccessibleAsync(page);
        await page.Locator("#move-confirm").ClickAsync();
        await Expect(page.Locator("#incident-status")).ToHaveTextAsync("coordinating");
        Assert.Equal("Coordinating", await StatusAsync(scenario));

        // An override: resumed before quorum needs a reason of at least 10 characters.
        await page.Locator("#move-resumed").ClickAsync();
        await Expect(page.Locator("#move-override-warning")).ToContainTextAsync("Quorum is not reached: 0.00% ready.");
        await Expect(page.Locator("#move-confirm")).ToBeDisabledAsync();
        await Dialog(page).Locator("textarea").First.FillAsync("too short");
        await Expect(page.Locator("#move-confirm")).ToBeDisabledAsync();
        await Dialog(page).Locator("textarea").First.FillAsync("Blocks are being produced again.");
        await Expect(page.Locator("#move-confirm")).ToBeEnabledAsync();
        await page.Locator("#move-confirm").ClickAsync();
        await Expect(page.Locator("#incident-status")).ToHaveTextAsync("resumed");
        Assert.Equal("Resumed", await StatusAsync(scenario));
        var overridden = (await scenario.TimelineAsync()).Last(e => e.GetProperty("kind").GetString() == "incident-status-override");
        Assert.EndsWith("Reason: Blocks are being produced again.", overridden.GetProperty("summary").GetString(), StringComparison.Ordinal);

        // An update in Markdown, rendered safely on the timeline.
        await page.GetByLabel("Update (Markdown, on the timeline)").FillAsync("**Chain resumed**; keep <script>x</script> watching");
        await Expect(page.Locator("#update-preview strong")).ToHaveTextAsync("Chain resumed");
        await page.Locator("#post-update-button").ClickAsync();
        await Expect(page.Locator("#timeline li[data-kind='incident-update'] strong")).ToHaveTextAsync("Chain resumed");
        await Expect(page.Locator("#timeline script")).ToHaveCountAsync(0);

        // The title and summary, edited.
        await page.Locator("#edit-incident").ClickAsync();
        await Expect(Dialog(page)).ToBeVisibleAsync();
        await AccessibleAsync(page);
        await Dialog(page).GetByLabel("Title").FillAsync("CVM crash: mainnet halted, hotfix rolling out");
        await Dialog(page).GetByLabel("Summary (Markdown)").FillAsync("Halted at block 1,724,747. See *the release*.");
        await page.Locator("#edit-save").ClickAsync();
        await Expect(page.Locator("#incident-title")).ToHaveTextAsync("CVM crash: mainnet halted, hotfix rolling out");
        await Expect(page.Locator("#incident-summary em")).ToHaveTextAsync("the release");
        Assert.Equal("CVM crash: mainnet halted, hotfix rolling out", await Portal.Database.ScalarAsync<string>($"SELECT title FROM incidents WHERE id = '{scenario.IncidentId}'"));
        Assert.Contains(await scenario.TimelineAsync(), e => e.GetProperty("kind").GetString() == "incident-edited");

        // The postmortem buttons download with the console's sign-in (the API itself takes tokens only).
        foreach (var (format, expected) in new[] { ("md", "# Postmortem draft: CVM crash: mainnet halted, hotfix rolling out"), ("csv", "at,key,name,from,to,version,actor"), ("json", "{") })
        {
            var download = await page.RunAndWaitForDownloadAsync(() => page.Locator($"#postmortem-downloads .postmortem-{format}").ClickAsync());
            Assert.Null(await download.FailureAsync());
            Assert.Equal($"postmortem-{scenario.IncidentId:N}.{format}", download.SuggestedFilename);
            Assert.StartsWith(expected, await File.ReadAllTextAsync((await download.PathAsync())!), StringComparison.Ordinal);
        }

        // Another browser: an operator reports through the console's form; the commander's page shows it, no reload.
        var (@operator, _) = await scenario.OperatorAsync(3);
        var reporting = await OpenConsoleAsync(@operator, path);
        await Expect(reporting.Locator("#manage")).ToHaveCountAsync(0);
        await reporting.Locator("#report-state").SelectOptionAsync(new SelectOptionValue { Label = "acknowledged" });
        await reporting.Locator("#report-form button[type=submit]").ClickAsync();
        await Expect(reporting.Locator("#report-message")).ToHaveTextAsync($"Recorded: {scenario.Keys[3]} is acknowledged.");
        await reporting.AssertAccessibleAsync();

        await page.Locator("#validator-search").FillAsync(scenario.Keys[3]);
        await Expect(Row(page, scenario.Keys[3])).ToHaveAttributeAsync("data-state", "acknowledged", new() { Timeout = LiveTimeoutMs });
        await Expect(page.Locator("#timeline")).ToContainTextAsync("→ acknowledged", new() { Timeout = LiveTimeoutMs });
        await ExpectNotReloadedAsync(page);
        await AccessibleAsync(page);

        // On a phone: the page fits, the grid scrolls in its own box.
        // Opened afresh (a reload would restore the desktop scroll position): what a phone sees first.
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync(page.Url);
        await ConsoleBrowserTests.WaitForCircuitAsync(page);
        await Expect(page.Locator("#incident-title")).ToBeVisibleAsync();
        await ExpectFitsTheViewportAsync(page);
        await ExpectOnTheFirstScreenAsync(page, page.Locator("#move-closed"));
        await AccessibleAsync(page);
    }

    /// <summary>
    /// Scrolls the grid to its end until the row is there. A scroll that lands while the sort's render is still on
    /// its way can leave the virtualized window where it was; scrolling again (as a person would) moves it on.
    /// </summary>
    private static async Task ScrollToTheEndUntilVisibleAsync(IPage page, ILocator row)
    {
        for (var attempt = 1; ; attempt++)
        {
            await page.Locator("#validators-scroll").EvaluateAsync("e => { e.scrollTop = e.scrollHeight; }");
            try
            {
                await Expect(row).ToBeVisibleAsync(new() { Timeout = 5_000 });
                return;
            }
            catch (PlaywrightException) when (attempt < 8)
            {
                await page.Locator("#validators-scroll").EvaluateAsync("e => { e.scrollTop = 0; }");
            }
        }
    }

    /// <summary>Without scrolling, the whole element is in the viewport.</summary>
    private static async Task ExpectOnTheFirstScreenAsync(IPage page, ILocator element)
    {
        await Expect(element).ToBeVisibleAsync();
        Assert.Equal(0, await page.EvaluateAsync<double>("() => window.scrollY"));
        var box = await element.BoundingBoxAsync();
        Assert.NotNull(box);
        var height = await page.EvaluateAsync<int>("() => window.innerHeight");
        Assert.True(box.Y + box.Height <= height, $"the element ends at {box.Y + box.Height} px, below the first {height} px");
    }

    /// <summary>Gives a select a value its list does not hold, as a hand-made request could, and tells the circuit.</summary>
    private static async Task ForceValueAsync(ILocator select, string value) => await select.EvaluateAsync(
        "(s, v) => { const o = document.createElement('option'); o.value = v; o.text = v; s.add(o); s.value = v; s.dispatchEvent(new Event('change', { bubbles: true })); }",
        value);

    [Fact]
    public async Task Bad_values_in_the_operator_s_report_form_are_refused_beside_their_field_and_change_nothing()
    {
        var scenario = await ApiScenario.CreateAsync(Portal, count: 3);
        var (@operator, _) = await scenario.OperatorAsync(0);
        var revision = await scenario.RevisionAsync();

        var page = await OpenConsoleAsync(@operator, $"/incidents/{scenario.IncidentId}", 390, 844);
        await Expect(page.Locator("#report-validator option")).ToHaveCountAsync(1);
        await ExpectOnTheFirstScreenAsync(page, page.Locator("#report-form button[type=submit]"));
        await ExpectFitsTheViewportAsync(page);

        foreach (var state in new[] { "Acknowledged, Downloading", "1", "Acknowledged", "pending" })
        {
            await ForceValueAsync(page.Locator("#report-state"), state);
            await page.Locator("#report-form button[type=submit]").ClickAsync();
            await Expect(page.Locator("#report-state-error")).ToHaveTextAsync("Choose one of the listed states: acknowledged, downloading, upgraded, ready, blocked.");
            await Expect(page.Locator("#report-state")).ToHaveAttributeAsync("aria-describedby", "report-state-error");
            await Expect(page.Locator("#report-message")).ToHaveCountAsync(0);
        }

        // A validator bound to someone else, slipped into the list.
        await page.Locator("#report-state").SelectOptionAsync("acknowledged");
        await ForceValueAsync(page.Locator("#report-validator"), scenario.Keys[1]);
        await page.Locator("#report-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#report-validator-error")).ToHaveTextAsync("Choose one of your validators.");
        await Expect(page.Locator("#report-state-error")).ToHaveCountAsync(0);
        await page.AssertAccessibleAsync();

        Assert.Equal(revision, await scenario.RevisionAsync());
        Assert.Equal("Pending", await scenario.StoredStateAsync(0));
        Assert.Equal("Pending", await scenario.StoredStateAsync(1));

        // Blocked without a note: the service refuses it, and says so beside the note.
        await page.Locator("#report-validator").SelectOptionAsync(scenario.Keys[0]);
        await page.Locator("#report-state").SelectOptionAsync("blocked");
        await page.Locator("#report-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#report-note-error")).ToHaveTextAsync("Say why the validator is blocked: a note is required with 'blocked'.");
        await Expect(page.Locator("#report-note")).ToHaveAttributeAsync("aria-describedby", "report-note-error");
        await Expect(page.Locator("#report-validator-error")).ToHaveCountAsync(0);
        Assert.Equal(revision, await scenario.RevisionAsync());

        // The listed values still work: the messages go, the report is recorded.
        await page.Locator("#report-state").SelectOptionAsync("acknowledged");
        await page.Locator("#report-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#report-message")).ToHaveTextAsync($"Recorded: {scenario.Keys[0]} is acknowledged.");
        await Expect(page.Locator("#report-validator-error")).ToHaveCountAsync(0);
        await Expect(page.Locator("#report-note-error")).ToHaveCountAsync(0);
        Assert.Equal("Acknowledged", await scenario.StoredStateAsync(0));
    }

    [Fact]
    public async Task An_anonymous_visitor_is_sent_to_the_public_page()
    {
        var scenario = await ApiScenario.CreateAsync(Portal, count: 4);
        using var client = ApiClient(null);
        using var response = await client.GetAsync(Rest.Path($"/incidents/{scenario.IncidentId}"));
        Assert.Equal($"/status/{scenario.IncidentId}", response.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("ops1@example.org", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
