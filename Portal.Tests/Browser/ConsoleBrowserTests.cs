using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.Data.Identity;
using Portal.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>
/// The console's foundation in Chromium: interactive pages in the MudBlazor layout next to static pages
/// without a circuit, the theme remembered, a role change and a change made elsewhere reaching an open console
/// without a reload, and axe on every page visited.
/// </summary>
public sealed class ConsoleBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : LiveIncidentBrowserTest(portal, chromium), IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    /// <summary>The circuit is up and its events are wired (ConsoleLayout sets the marker after its first interactive render).</summary>
    internal static async Task WaitForCircuitAsync(IPage page) =>
        await Expect(page.Locator("#console")).ToHaveAttributeAsync("data-circuit", "ready");

    private static async Task<bool> HasCircuitScriptAsync(IPage page) =>
        await page.EvaluateAsync<bool>("() => typeof window.Blazor !== 'undefined'");

    [Fact]
    public async Task Console_pages_run_in_a_circuit_static_pages_do_not_and_the_theme_is_remembered()
    {
        var admin = await TestUsers.CreateAsync(Portal, [Roles.Admin]);
        var page = await NewPageAsync();

        await page.GotoAsync("/account/sign-in");
        Assert.False(await HasCircuitScriptAsync(page));
        await page.AssertAccessibleAsync();
        await SignInAsync(page, admin);
        Assert.False(await HasCircuitScriptAsync(page), "the home page is static");
        await page.AssertAccessibleAsync();

        await page.GotoAsync("/admin/audit");
        await WaitForCircuitAsync(page);
        await Expect(page.Locator("#security-events")).ToContainTextAsync(admin.UserName);
        await Expect(page.Locator("#signed-in-as")).ToHaveTextAsync(admin.UserName);
        await page.AssertAccessibleAsync();

        // The drawer shows the admin's pages; following one stays in the circuit (no new document).
        await page.EvaluateAsync("() => { window.__noReload = 1; }");
        await page.Locator("#drawer").GetByRole(AriaRole.Link, new() { Name = "Timelines" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/timeline$"));
        await Expect(page.Locator($"#chains tr[data-incident='{Incident.Id}']")).ToHaveAttributeAsync("data-verdict", new Regex("^(intact|unsealed)$"));
        await ExpectNotReloadedAsync(page);
        await page.AssertAccessibleAsync();

        // The theme: switched, and still dark after a reload.
        await Expect(page.Locator("#theme-toggle")).ToHaveAttributeAsync("data-theme", "light");
        await page.Locator("#theme-toggle").ClickAsync();
        await Expect(page.Locator("#theme-toggle")).ToHaveAttributeAsync("data-theme", "dark");
        await page.ReloadAsync();
        await WaitForCircuitAsync(page);
        await Expect(page.Locator("#theme-toggle")).ToHaveAttributeAsync("data-theme", "dark");
        await page.AssertAccessibleAsync();

        // Back to a static page: a new document without the circuit's script, in the same (dark) theme.
        await page.Locator("#drawer").GetByRole(AriaRole.Link, new() { Name = "Incidents" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(PortalPages.Home);
        await Expect(page.Locator("#drills")).ToBeVisibleAsync(); // the demo is a drill, listed apart
        Assert.False(await HasCircuitScriptAsync(page), "the home page is static");
        Assert.Equal("dark", await page.Locator("html").GetAttributeAsync("data-bs-theme"));
    }

    [Fact]
    public async Task A_role_change_reaches_an_open_console_within_seconds_without_a_reload()
    {
        var admin = await TestUsers.CreateAsync(Portal, [Roles.Admin]);
        var user = await TestUsers.CreateAsync(Portal, [Roles.Admin, Roles.Commander]);
        var page = await OpenConsoleAsync(user, "/admin/audit");
        await page.EvaluateAsync("() => { window.__noReload = 1; }");
        var usersLink = page.Locator("#drawer").GetByRole(AriaRole.Link, new() { Name = "Users" });
        await Expect(usersLink).ToBeVisibleAsync();

        using var api = ApiClient(admin.Token);
        using var response = await api.PutAsJsonAsync($"api/v1/users/{user.Id}", new { roles = new[] { Roles.Commander } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The circuit checks its user every 5 s: the admin-only page and link go, the commander's stay.
        await Expect(page.Locator("#not-authorized")).ToBeVisibleAsync(new() { Timeout = LiveTimeoutMs });
        await Expect(page.Locator("#security-events")).ToHaveCountAsync(0);
        await Expect(usersLink).ToHaveCountAsync(0);
        await Expect(page.Locator("#drawer").GetByRole(AriaRole.Link, new() { Name = "Declare incident" })).ToBeVisibleAsync();
        await ExpectNotReloadedAsync(page);
        await page.AssertAccessibleAsync();
    }

    [Fact]
    public async Task A_change_made_in_another_browser_reaches_an_open_console_page_without_a_reload()
    {
        var admin = await TestUsers.CreateAsync(Portal, [Roles.Admin]);
        var (key, validatorId) = Assert.Single(await ValidatorsInAsync(["Pending", "Acknowledged", "Downloading"], limit: 1));
        var @operator = await TestUsers.CreateAsync(Portal, [Roles.Operator], [validatorId]);

        var watching = await OpenConsoleAsync(admin, "/admin/timeline");
        await watching.EvaluateAsync("() => { window.__noReload = 1; }");
        var row = watching.Locator($"#chains tr[data-incident='{Incident.Id}']");
        var entriesBefore = int.Parse(await row.Locator(".entries").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);

        var reporting = await OpenConsoleAsync(@operator, IncidentPath);
        await reporting.Locator("#report-validator").SelectOptionAsync(key);
        await reporting.Locator("#report-state").SelectOptionAsync(new SelectOptionValue { Label = "blocked" });
        await reporting.Locator("#report-note").FillAsync("disk full, replacing it");
        await reporting.Locator("#report-form button[type=submit]").ClickAsync();
        await Expect(reporting.Locator("#report-message")).ToContainTextAsync("blocked");

        await Expect(row.Locator(".entries")).ToHaveTextAsync((entriesBefore + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = LiveTimeoutMs });
        await Expect(row.Locator(".latest-entry")).ToContainTextAsync("→ blocked");
        await ExpectNotReloadedAsync(watching);
        await watching.AssertAccessibleAsync();
    }
}
