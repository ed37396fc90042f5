using Microsoft.Playwright;
using Portal.Data.Identity;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using Portal.Web.Components.Incidents;
using static Microsoft.Playwright.Assertions;
using Rest = Portal.Tests.Web.Api.Api;

namespace Portal.Tests.Browser;

/// <summary>
/// What a commander's console holds on a 2,000-validator incident does not grow with the validators: no list of
/// every validator anywhere (the side report form lists the user's own, the waking-hours editor is a search
/// listing at most 20 matches). Desktop and a 390 px phone; axe on every state visited.
/// </summary>
public sealed class ConsoleSizeBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : LiveIncidentBrowserTest(portal, chromium), IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    private const int Validators = 2_000;

    /// <summary>Every choice the page offers: options of plain selects and items of MudBlazor lists and menus.</summary>
    private const string Choices = "option, .mud-select-item, .mud-list-item, [role=option]";

    private static async Task AccessibleAsync(IPage page)
    {
        await Expect(page.Locator(".mud-snackbar")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        await page.AssertAccessibleAsync();
    }

    [Theory]
    [InlineData(1280, 900)]
    [InlineData(390, 844)]
    public async Task A_commander_s_console_lists_no_choice_per_validator_and_finds_a_validator_s_waking_hours_by_search(int width, int height)
    {
        var scenario = await ApiScenario.CreateAsync(Portal, count: Validators);
        var own = await scenario.ValidatorIdAsync(5);
        // A commander who also runs a validator (bindings go to operators).
        var commander = await TestUsers.CreateAsync(Portal, [Roles.Commander, Roles.Operator], [own]);

        var page = await OpenConsoleAsync(commander, $"/incidents/{scenario.IncidentId}", width, height);
        await Expect(page.Locator("#validators-count")).ToContainTextAsync($"Showing {Validators} of {Validators}");

        // The side form offers the commander's own validator only; any other is reported from its row.
        await Expect(page.Locator("#report-validator option")).ToHaveCountAsync(1);
        await Expect(page.Locator("#report-validator option")).ToHaveAttributeAsync("value", scenario.Keys[5]);
        await Expect(page.Locator($"#report-{scenario.Keys[0]}")).ToHaveCountAsync(1);
        Assert.InRange(await page.Locator(Choices).CountAsync(), 1, 40);
        await AccessibleAsync(page);

        // The waking-hours editor: a search, not a list of 2,000.
        await page.Locator("#edit-waking-windows").ClickAsync();
        var search = page.GetByLabel("Validator (search by name or key)");
        await Expect(search).ToBeVisibleAsync();
        Assert.InRange(await page.Locator(Choices).CountAsync(), 1, 40);
        await AccessibleAsync(page);

        // A broad search lists at most 20 matches and says more match.
        await search.ClickAsync();
        await search.FillAsync("Validator 1");
        await Expect(page.Locator(".waking-window-match").First).ToBeVisibleAsync();
        Assert.InRange(await page.Locator(".waking-window-match").CountAsync(), 1, WakingWindowEditor.MaxMatches);
        await Expect(page.GetByText("More match: type more of the name or key.")).ToBeVisibleAsync();
        Assert.InRange(await page.Locator(Choices).CountAsync(), 1, 40 + WakingWindowEditor.MaxMatches);
        await AccessibleAsync(page);

        // By name, then chosen: its hours are shown and saved.
        await search.FillAsync("Validator 1234");
        var match = page.Locator($".waking-window-match[data-key='{scenario.Keys[1234]}']");
        await Expect(match).ToBeVisibleAsync();
        await Expect(page.Locator(".waking-window-match")).ToHaveCountAsync(1);
        await match.ClickAsync();
        await Expect(search).ToHaveValueAsync("Validator 1234");
        await Expect(page.Locator("#waking-window-current")).ToContainTextAsync($"in {Rest.Zones[1234 % Rest.Zones.Length]}");
        await page.Locator("#wake-from").FillAsync("07:00");
        await page.Locator("#wake-until").FillAsync("21:00");
        await page.Locator("#wake-save").ClickAsync();
        await Expect(page.Locator("#waking-window-message")).ToHaveTextAsync("Validator 1234: waking hours 07:00–21:00.");
        Assert.Contains(await scenario.TimelineAsync(), e => e.GetProperty("kind").GetString() == "validator-waking-window");
        await ExpectFitsTheViewportAsync(page);
        await AccessibleAsync(page);

        // By a piece of its key.
        await search.FillAsync(scenario.Keys[42][..16]);
        await Expect(page.Locator($".waking-window-match[data-key='{scenario.Keys[42]}']")).ToBeVisibleAsync();
    }

    [Theory]
    [InlineData(1280, 900)]
    [InlineData(390, 844)]
    public async Task The_app_bar_keeps_one_line_and_the_waking_hours_are_24_hour_fields_whose_messages_name_their_own_problem(int width, int height)
    {
        var scenario = await ApiScenario.CreateAsync(Portal, count: 3);
        var commander = await TestUsers.CreateAsync(Portal, [Roles.Commander]);
        var page = await OpenConsoleAsync(commander, $"/incidents/{scenario.IncidentId}", width, height);

        // The title and the sign-out button are one line each, inside the bar; on a phone the title is the short one.
        var boxes = await page.EvaluateAsync<double[]>("""
            () => {
              const bar = document.querySelector('.mud-appbar').getBoundingClientRect();
              const title = document.querySelector('#console-title');
              const shown = [...title.children].find(c => getComputedStyle(c).display !== 'none');
              const signOut = document.querySelector('#sign-out');
              const line = el => parseFloat(getComputedStyle(el).lineHeight);
              const t = title.getBoundingClientRect(), s = signOut.getBoundingClientRect();
              return [bar.top, bar.bottom, t.top, t.bottom, t.height / line(title), s.top, s.bottom, s.height, signOut.scrollHeight - signOut.clientHeight, title.scrollWidth - title.clientWidth];
            }
            """);
        Assert.True(boxes[2] >= boxes[0] && boxes[3] <= boxes[1], $"the title runs {boxes[2]}–{boxes[3]} in a bar {boxes[0]}–{boxes[1]}");
        Assert.True(boxes[4] < 1.5, $"the title is {boxes[4]:0.0} lines high");
        Assert.True(boxes[5] >= boxes[0] && boxes[6] <= boxes[1] && boxes[7] < 40, $"sign out runs {boxes[5]}–{boxes[6]} ({boxes[7]} px high)");
        Assert.True(boxes[9] <= 1, $"the title is cut by {boxes[9]} px");
        await Expect(page.Locator("#console-title")).ToHaveAccessibleNameAsync(width < 600 ? "Validator portal" : "Validator coordination portal");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();

        // The time fields are text in HH:mm (a time input would show the browser's 12-hour "08:00 AM").
        await page.Locator("#edit-waking-windows").ClickAsync();
        await Expect(page.Locator("#wake-from")).ToHaveAttributeAsync("type", "text");
        await Expect(page.Locator("#wake-from")).ToHaveValueAsync("08:00");
        await Expect(page.Locator("#wake-until")).ToHaveValueAsync("22:00");

        // The same time twice: only Until is wrong.
        await page.Locator("#wake-from").FillAsync("09:00");
        await page.Locator("#wake-until").FillAsync("09:00");
        await page.Locator("#wake-save").ClickAsync();
        var until = page.Locator(".mud-input-control", new() { Has = page.Locator("#wake-until") });
        var from = page.Locator(".mud-input-control", new() { Has = page.Locator("#wake-from") });
        await Expect(until.Locator(".mud-input-helper-text")).ToHaveTextAsync("Until must differ from From.");
        await Expect(from.Locator(".mud-input-error")).ToHaveCountAsync(0);
        await Expect(page.Locator("#waking-window-message")).ToHaveCountAsync(0);
        await ExpectFitsTheViewportAsync(page);
        await AccessibleAsync(page);

        var folder = Path.Combine(Path.GetTempPath(), "portal-tests");
        Directory.CreateDirectory(folder);
        await page.Locator("#waking-window-editor").ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"console-bar-{width}.png") });
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"console-top-{width}.png"), Clip = new Clip { X = 0, Y = 0, Width = width, Height = 120 } });
    }

    [Fact]
    public async Task A_commander_with_no_validator_of_their_own_has_no_side_report_form_and_reports_from_the_rows()
    {
        var scenario = await ApiScenario.CreateAsync(Portal, count: 3);
        var commander = await TestUsers.CreateAsync(Portal, [Roles.Commander]);

        var page = await OpenConsoleAsync(commander, $"/incidents/{scenario.IncidentId}", 390, 844);
        await Expect(page.Locator("#manage")).ToBeVisibleAsync();
        await Expect(page.Locator("#report-form")).ToHaveCountAsync(0);
        await page.Locator($"#report-{scenario.Keys[2]}").ClickAsync();
        await page.Locator("#behalf-state").SelectOptionAsync(new SelectOptionValue { Label = "downloading" });
        await page.Locator("#behalf-submit").ClickAsync();
        await Expect(Row(page, scenario.Keys[2])).ToHaveAttributeAsync("data-state", "downloading");
        Assert.Equal("Downloading", await scenario.StoredStateAsync(2));
        await AccessibleAsync(page);
    }
}
