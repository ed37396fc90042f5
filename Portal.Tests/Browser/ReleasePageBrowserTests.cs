using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.Data.Identity;
using Portal.Domain;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Releases;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>
/// A core developer's hotfix, from the console only, on a desktop and a phone: the releases list, the editor
/// with one row per artifact (digests filled by pasting <c>sha256sum</c> output), the live preview, publishing
/// through a dialog that shows what goes out and is refused when the release was edited since it was shown,
/// withdrawing with a reason, and deleting a draft. axe on every page and dialog visited.
/// </summary>
public sealed class ReleasePageBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : LiveIncidentBrowserTest(portal, chromium), IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    private const string LinuxSha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private const string DarwinSha = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";
    private const string ExtraSha = "fd61a03af4f77d870fc21e05e7e80678095c92d808cfb3b5c279ee04c74aca13";

    [Theory]
    [InlineData(1280, 800)]
    [InlineData(390, 844)]
    public async Task A_core_dev_drafts_two_artifacts_by_pasting_sha256sum_previews_publishes_through_the_dialog_and_withdraws(int width, int height)
    {
        var coredev = await TestUsers.CreateAsync(Portal, [Roles.CoreDev]);
        var version = "v0.1.9-hotfix-" + width.ToString(CultureInfo.InvariantCulture);
        var linux = $"https://example.org/{version}/travis_{version}_linux-amd64.tar.gz";
        var darwin = $"https://example.org/{version}/travis_{version}_darwin-arm64.tar.gz";

        // The list, then the editor from it, in the same circuit.
        var page = await OpenConsoleAsync(coredev, "/releases", width, height);
        var group = page.Locator($".incident-releases[data-incident='{Incident.Id}']");
        await page.AssertAccessibleAsync();
        await group.Locator("a.draft-release").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/incidents/{Incident.Id}/releases/new$"));

        await page.Locator("#release-version").FillAsync(version);
        await page.Locator("#release-notes").FillAsync("Second fix: **restart** after installing.");
        await Expect(page.Locator("#release-preview strong")).ToHaveTextAsync("restart");

        await page.Locator("#artifact-0-platform").FillAsync("linux-amd64");
        await page.Locator("#artifact-0-url").FillAsync(linux);
        await page.Locator("#artifact-0-size").FillAsync("48213094");
        await Expect(page.Locator("#artifact-rows")).ToContainTextAsync("46.0 MiB");
        await page.Locator("#add-artifact").ClickAsync();
        await page.Locator("#artifact-1-platform").FillAsync("darwin-arm64");
        await page.Locator("#artifact-1-url").FillAsync(darwin);
        await page.Locator("#artifact-1-size").FillAsync("1024");

        // sha256sum output: two lines fill the rows whose URLs end with those names, a third adds a row.
        await page.Locator("#sha256sum-paste").FillAsync(
            $"{LinuxSha}  travis_{version}_linux-amd64.tar.gz\n{DarwinSha.ToUpperInvariant()} *travis_{version}_darwin-arm64.tar.gz\n{ExtraSha}  travis_{version}_windows-amd64.zip\n");
        await page.Locator("#apply-sha256sum").ClickAsync();
        await Expect(page.Locator("#paste-message")).ToHaveTextAsync("2 digest(s) filled, 1 row(s) added.");
        await Expect(page.Locator("#artifact-0-sha256")).ToHaveValueAsync(LinuxSha);
        await Expect(page.Locator("#artifact-1-sha256")).ToHaveValueAsync(DarwinSha);
        await Expect(page.Locator("#artifact-2-sha256")).ToHaveValueAsync(ExtraSha);
        await Expect(page.Locator("#artifact-2-platform")).ToHaveValueAsync("windows-amd64");
        await page.AssertAccessibleAsync();

        // Saving with the added row's URL missing names that field and saves nothing; removing the row saves.
        await page.Locator("#save-release").ClickAsync();
        await Expect(page.Locator("#release-message")).ToContainTextAsync("nothing was saved");
        await Expect(page.Locator(".artifact-row[data-row='2']")).ToContainTextAsync("URL");
        Assert.Equal(0, await Portal.Database.ScalarAsync<long>($"SELECT count(*) FROM releases WHERE version = '{version}'"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove artifact 3" }).ClickAsync();
        await Expect(page.Locator(".artifact-row")).ToHaveCountAsync(2);
        await page.Locator("#save-release").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/releases/[0-9a-f-]{36}$"));
        var releaseId = Guid.Parse(page.Url[^36..], CultureInfo.InvariantCulture);
        await Expect(page.Locator("#release-status")).ToHaveTextAsync("draft");
        Assert.Equal(2, await Portal.Database.ScalarAsync<int>($"SELECT jsonb_array_length(artifacts) FROM releases WHERE id = '{releaseId}'"));

        // The page loads every time (it used to answer 500 on most loads).
        for (var i = 0; i < 3; i++)
        {
            var response = await page.GotoAsync($"/releases/{releaseId}");
            Assert.Equal(200, response!.Status);
            await ConsoleBrowserTests.WaitForCircuitAsync(page);
            await Expect(page.Locator("#release-version")).ToHaveValueAsync(version);
            await Expect(page.Locator("#artifact-1-sha256")).ToHaveValueAsync(DarwinSha);
        }

        await page.EvaluateAsync("() => { window.__noReload = 1; }");

        // The dialog shows exactly what will be published.
        await page.Locator("#publish-release").ClickAsync();
        var summary = page.Locator("#publish-summary");
        await Expect(summary.Locator(".publish-version")).ToHaveTextAsync(version);
        await Expect(summary.Locator(".publish-digest")).ToHaveTextAsync([LinuxSha, DarwinSha]);
        await Expect(summary.Locator(".publish-notes strong")).ToHaveTextAsync("restart");
        await page.AssertAccessibleAsync();

        // Someone edits while the dialog is open: publishing what it showed is refused, and nothing is published.
        await EditBehindThePageAsync(releaseId, version);
        await page.Locator("#publish-confirm").ClickAsync();
        await Expect(page.Locator("#release-message")).ToContainTextAsync("was changed after you looked at it");
        await Expect(page.Locator("#release-status")).ToHaveTextAsync("draft");
        Assert.Equal("Draft", await Portal.Database.ScalarAsync<string>($"SELECT status FROM releases WHERE id = '{releaseId}'"));

        // The page now shows the current content; publishing that works.
        await Expect(page.Locator("#release-preview")).ToContainTextAsync("Changed behind the publisher's back.");
        await page.Locator("#publish-release").ClickAsync();
        await Expect(summary.Locator(".publish-digest")).ToHaveTextAsync([LinuxSha]);
        await Expect(summary.Locator(".publish-notes")).ToContainTextAsync("Changed behind the publisher's back.");
        await page.Locator("#publish-confirm").ClickAsync();
        await Expect(page.Locator("#release-message")).ToHaveTextAsync($"Published. Validators now see {version} on the incident page.");
        await Expect(page.Locator("#release-status")).ToHaveTextAsync("published");
        Assert.Equal("Published", await Portal.Database.ScalarAsync<string>($"SELECT status FROM releases WHERE id = '{releaseId}'"));
        await page.AssertAccessibleAsync();

        // Withdraw: a reason is required.
        await page.Locator("#withdraw-release").ClickAsync();
        await Expect(page.Locator("#withdraw-form")).ToContainTextAsync("Say why the release is withdrawn.");
        await page.Locator("#withdraw-reason").FillAsync("Breaks ARM nodes; use v0.1.10.");
        await page.Locator("#withdraw-release").ClickAsync();
        await Expect(page.Locator("#release-message")).ToHaveTextAsync("Withdrawn.");
        await Expect(page.Locator("#release-status")).ToHaveTextAsync("withdrawn");
        await Expect(page.Locator("#withdrawn-reason")).ToContainTextAsync("Breaks ARM nodes");
        Assert.Equal("Withdrawn", await Portal.Database.ScalarAsync<string>($"SELECT status FROM releases WHERE id = '{releaseId}'"));
        await page.AssertAccessibleAsync();

        // Back on the list (same circuit), with its status.
        await page.GetByRole(AriaRole.Link, new() { Name = "All releases" }).ClickAsync();
        await Expect(group.Locator($"tr[data-release='{releaseId}']")).ToHaveAttributeAsync("data-status", "withdrawn");
        await ExpectNotReloadedAsync(page);
        await ExpectFitsTheViewportAsync(page);
    }

    [Fact]
    public async Task A_core_dev_deletes_a_draft_from_the_editor_and_a_published_release_offers_no_delete()
    {
        var coredev = await TestUsers.CreateAsync(Portal, [Roles.CoreDev]);
        var version = PortalPages.UniqueName("v0.2.0-draft");
        var page = await OpenConsoleAsync(coredev, $"/incidents/{Incident.Id}/releases/new");
        await page.Locator("#release-version").FillAsync(version);
        await page.Locator("#artifact-0-platform").FillAsync("linux-amd64");
        await page.Locator("#artifact-0-url").FillAsync("https://example.org/travis_linux-amd64.tar.gz");
        await page.Locator("#artifact-0-sha256").FillAsync(LinuxSha);
        await page.Locator("#artifact-0-size").FillAsync("2048");
        await page.Locator("#save-release").ClickAsync();
        await Expect(page.Locator("#release-status")).ToHaveTextAsync("draft");
        var releaseId = Guid.Parse(page.Url[^36..], CultureInfo.InvariantCulture);

        await page.Locator("#delete-release").ClickAsync();
        await Expect(page.Locator("#delete-title")).ToContainTextAsync(version);
        await page.AssertAccessibleAsync();
        await page.Locator("#delete-confirm").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/releases\\?deleted="));
        await Expect(page.Locator("#release-message")).ToHaveTextAsync($"Draft {version} deleted.");
        Assert.Equal(0, await Portal.Database.ScalarAsync<long>($"SELECT count(*) FROM releases WHERE id = '{releaseId}'"));
        Assert.Equal(1, await Portal.Database.ScalarAsync<long>($"SELECT count(*) FROM timeline_events WHERE incident_id = '{Incident.Id}' AND kind = 'release-deleted' AND summary LIKE '%{version}%'"));
        await page.AssertAccessibleAsync();
    }

    /// <summary>Another core developer's edit, made as the system: this test is about the page, not their rights.</summary>
    private async Task EditBehindThePageAsync(Guid releaseId, string version)
    {
        await using var scope = Portal.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CallerAccess>().TrustAsSystem();
        var releases = scope.ServiceProvider.GetRequiredService<ReleaseService>();
        await releases.EditAsync(releaseId, version, "Changed behind the publisher's back.",
            [Artifact.Create("linux-amd64", "https://example.org/other.tar.gz", Sha256Digest.Parse(LinuxSha), 2048)], "someone-else");
    }
}
