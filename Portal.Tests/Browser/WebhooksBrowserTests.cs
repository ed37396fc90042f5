using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.Data.Identity;
using Portal.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>
/// The webhooks page in Chromium, as a commander: a refused URL named beside its field, a subscription made (its
/// secret shown once), a dead letter listed with its last answer, and a deletion; at 1280 px and 390 px, axe on each view.
/// </summary>
public sealed class WebhooksBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : LiveIncidentBrowserTest(portal, chromium), IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    private const string EmptyJson = "{}";

    [Theory]
    [InlineData(1280, 900)]
    [InlineData(390, 844)]
    public async Task A_commander_subscribes_sees_the_secret_once_reads_dead_letters_and_deletes(int width, int height)
    {
        var commander = await TestUsers.CreateAsync(Portal, [Roles.Commander]);
        var page = await OpenConsoleAsync(commander, "/admin/webhooks", width, height);
        await page.AssertAccessibleAsync();

        // A private address and no event: both named, nothing stored.
        await page.Locator("#webhook-url").FillAsync("http://169.254.169.254/latest/meta-data/");
        await page.Locator("#webhook-submit").ClickAsync();
        await Expect(page.Locator("#webhook-form")).ToContainTextAsync("private address");
        await Expect(page.Locator("#events-error")).ToContainTextAsync("Name at least one event");
        Assert.Equal(0, await Portal.Database.ScalarAsync<long>("SELECT count(*) FROM webhook_subscriptions"));
        await page.AssertAccessibleAsync();

        var url = $"https://hooks.example.com/{Guid.NewGuid():N}";
        await page.Locator("#webhook-url").FillAsync(url);
        await page.Locator("#webhook-events").GetByRole(AriaRole.Checkbox, new() { Name = "release.published", Exact = true }).CheckAsync();
        await page.Locator("#webhook-events").GetByRole(AriaRole.Checkbox, new() { Name = "quorum.reached", Exact = true }).CheckAsync();
        await page.Locator("#webhook-submit").ClickAsync();
        await Expect(page.Locator("#secret-value")).ToHaveTextAsync(new Regex("^whsec_[A-Za-z0-9+/]{43}=$"));
        var id = await Portal.Database.ScalarAsync<Guid>($"SELECT id FROM webhook_subscriptions WHERE url = '{url}'");
        var row = page.Locator($"#webhooks tr[data-webhook='{id}']");
        await Expect(row).ToContainTextAsync("release.published, quorum.reached");
        await Expect(row).ToContainTextAsync(commander.UserName);
        Assert.Equal(await Portal.Database.ScalarAsync<string>($"SELECT secret FROM webhook_subscriptions WHERE id = '{id}'"), await page.Locator("#secret-value").TextContentAsync());
        await page.AssertAccessibleAsync();

        // A delivery that was given up on, with the receiver's last answer.
        await Portal.Database.ExecuteAsync($"""
            INSERT INTO outbox_messages (message_id, kind, destination_key, subscription_id, event_type, payload, status, attempts, created_at, next_attempt_at, last_attempt_at, response_code, last_error)
            VALUES ('msg_{Guid.NewGuid():N}', 'webhook', 'webhook:{id:N}', '{id}', 'quorum.reached', '{EmptyJson}', 'failed', 31, now() - interval '1 day', now(), now(), 503, 'HTTP 503 Service Unavailable')
            """);
        await page.ReloadAsync();
        await ConsoleBrowserTests.WaitForCircuitAsync(page);
        await Expect(page.Locator("#secret-value")).ToHaveCountAsync(0); // shown once only
        var dead = page.Locator("#dead-letters tbody tr");
        await Expect(dead).ToHaveCountAsync(1);
        await Expect(dead.Locator(".response-code")).ToContainTextAsync("503");
        await Expect(dead).ToContainTextAsync(url);
        await Expect(dead).ToContainTextAsync("quorum.reached");
        await page.AssertAccessibleAsync();

        await row.Locator(".delete-webhook").ClickAsync();
        await row.Locator(".confirm-delete").ClickAsync();
        await Expect(page.Locator("#no-webhooks")).ToBeVisibleAsync();
        Assert.Equal(0, await Portal.Database.ScalarAsync<long>($"SELECT count(*) FROM webhook_subscriptions WHERE id = '{id}'"));
        await page.AssertAccessibleAsync();
    }
}
