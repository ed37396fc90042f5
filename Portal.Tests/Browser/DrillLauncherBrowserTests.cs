using Portal.Data.Identity;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Drills;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>
/// An admin starts a drill from the console's "Run a drill" page in Chromium: the page shows the drill declared,
/// links to its console, and says when it finished; the drill's console says DRILL. Desktop and a 390 px phone,
/// axe on every page visited. The drill calls the portal's API over its real socket, trusting the test certificate.
/// </summary>
public sealed class DrillLauncherBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    [Theory]
    [InlineData(1280, 900)]
    [InlineData(390, 844)]
    public async Task An_admin_runs_a_drill_from_the_console_and_opens_its_console(int width, int height)
    {
        portal.Services.GetRequiredService<DrillRuns>().Clients = (_, token) => portal.CreateApiClient(token);
        var admin = await TestUsers.CreateAsync(portal, [Roles.Admin]);
        var page = await chromium.NewPageAsync(portal);
        await using var context = page.Context;
        await page.SetViewportSizeAsync(width, height);
        await page.GotoAsync("/account/sign-in");
        await PortalPages.SignInWithPasswordAsync(page, admin.UserName, admin.Password);
        await Expect(page).ToHaveURLAsync(PortalPages.Landing);

        await page.GotoAsync("/drills/new");
        await ConsoleBrowserTests.WaitForCircuitAsync(page);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Run a drill");
        await page.AssertAccessibleAsync();

        // Out of range: the form says so, and nothing is declared.
        var before = await portal.Database.ScalarAsync<long>("SELECT count(*) FROM incidents WHERE is_drill");
        await page.Locator("#drill-validators").FillAsync("0");
        await page.Locator("#drill-start").ClickAsync();
        await Expect(page.Locator("#drill-form")).ToContainTextAsync("Simulate between 1 and 200 validators, as a whole number.");
        Assert.Equal(before, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM incidents WHERE is_drill"));

        // Not whole numbers: each field says so (a numeric field used to keep its last good value and start a drill).
        foreach (var (field, value, message) in new[]
        {
            ("#drill-validators", "12.5", "Simulate between 1 and 200 validators, as a whole number."),
            ("#drill-compression", "1e12", "Between 0 and 3600 real seconds per simulated hour, as a whole number."),
            ("#drill-seed", "abc", "A seed is a whole number from 0 to 2147483647; leave it empty for 1."),
            ("#drill-seed", "99999999999999999999999", "A seed is a whole number from 0 to 2147483647; leave it empty for 1."),
        })
        {
            await page.Locator("#drill-validators").FillAsync("3");
            await page.Locator("#drill-compression").FillAsync("0");
            await page.Locator("#drill-seed").FillAsync("1");
            await page.Locator(field).FillAsync(value);
            await page.Locator("#drill-start").ClickAsync();
            await Expect(page.Locator("#drill-form")).ToContainTextAsync(message);
            Assert.Equal(before, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM incidents WHERE is_drill"));
        }

        await page.Locator("#drill-validators").FillAsync("3");
        await page.Locator("#drill-compression").FillAsync("0");
        await page.Locator("#drill-seed").FillAsync("");
        await page.Locator("#drill-start").ClickAsync();
        var row = page.Locator("#drill-runs tbody tr").First;
        await Expect(row.Locator(".drill-state")).ToHaveAttributeAsync("data-state", "finished", new() { Timeout = 30_000 });
        await Expect(row.Locator(".drill-state")).ToContainTextAsync("12 reports, quorum reached");
        await page.AssertAccessibleAsync();

        var runId = await row.GetAttributeAsync("data-run");
        var run = portal.Services.GetRequiredService<DrillRuns>().All.Single(r => r.RunId.ToString() == runId);
        var incidentId = await run.Incident;
        Assert.True(await portal.Database.ScalarAsync<bool>($"SELECT is_drill FROM incidents WHERE id = '{incidentId}'"));
        Assert.Equal(admin.UserName, await portal.Database.ScalarAsync<string>(
            $"SELECT actor FROM timeline_events WHERE incident_id = '{incidentId}' AND kind = 'incident-declared'"));

        await row.Locator("a.drill-console").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(portal.Address, $"/incidents/{incidentId}").ToString());
        await ConsoleBrowserTests.WaitForCircuitAsync(page);
        await Expect(page.Locator("#incident-drill")).ToHaveTextAsync("DRILL");
        await Expect(page.Locator("#incident-status")).ToHaveTextAsync("quorum reached");
        await Expect(page.Locator(".mud-snackbar")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        await page.AssertAccessibleAsync();
    }

    [Fact]
    public async Task An_observer_is_not_offered_the_page()
    {
        var observer = await TestUsers.CreateAsync(portal, [Roles.Observer]);
        var page = await chromium.NewPageAsync(portal);
        await using var context = page.Context;
        await page.GotoAsync("/account/sign-in");
        await PortalPages.SignInWithPasswordAsync(page, observer.UserName, observer.Password);
        await Expect(page).ToHaveURLAsync(PortalPages.Landing);

        await page.GotoAsync("/drills/new");

        await Expect(page.Locator("#drill-form")).ToHaveCountAsync(0);
        await Expect(page.Locator("a[href='/drills/new']")).ToHaveCountAsync(0);
    }
}
