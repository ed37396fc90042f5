using Portal.Data.Identity;
using Portal.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>
/// The operator's job in Chromium, through the page only: land on their validators after signing in, walk the
/// stepper from acknowledged to ready with the published version prefilled, report blocked with a required note,
/// on a 390 px phone (the next action in the first screen) and at 1280 px, with axe on every view.
/// </summary>
public sealed class OperatorBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : LiveIncidentBrowserTest(portal, chromium), IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 900)]
    public async Task An_operator_reports_acknowledge_to_ready_through_the_stepper_and_blocked_with_a_note(int width, int height)
    {
        var (key, validatorId) = Assert.Single(await ValidatorsInAsync(["Pending", "Blocked", "Acknowledged"], limit: 1));
        var @operator = await TestUsers.CreateAsync(Portal, [Roles.Operator], [validatorId]);
        var page = await NewPageAsync(width, height);

        await page.GotoAsync("/account/sign-in");
        await PortalPages.SignInWithPasswordAsync(page, @operator.UserName, @operator.Password);
        await Expect(page).ToHaveURLAsync(PortalPages.OperatorLanding);
        await ConsoleBrowserTests.WaitForCircuitAsync(page);
        await page.AssertAccessibleAsync();
        await ExpectFitsTheViewportAsync(page);

        var card = page.Locator($".assignment[data-key='{key}']");
        var next = card.Locator("button[id^='next-']");
        var published = (await card.Locator(".release-version").InnerTextAsync()).Trim();
        Assert.NotEmpty(published);
        await Expect(card.Locator(".verify-command").First).ToContainTextAsync("sha256sum");
        await Expect(card.Locator(".copy-verify").First).ToBeVisibleAsync();

        foreach (var (button, state) in new[] { ("Acknowledge", "acknowledged"), ("Downloading", "downloading"), ("Upgraded", "upgraded"), ("Ready", "ready") })
        {
            if (await card.GetAttributeAsync("data-state") == state)
            {
                continue;
            }

            await Expect(next).ToHaveTextAsync(button);
            var box = await next.BoundingBoxAsync();
            Assert.NotNull(box);
            Assert.True(box.Y >= 0 && box.Y + box.Height <= height, $"the next action ({button}) is at {box.Y}–{box.Y + box.Height} px in a {height} px viewport");
            if (state is "upgraded" or "ready")
            {
                await Expect(card.Locator("input[id^='version-']")).ToHaveValueAsync(published);
            }

            await next.ClickAsync();
            await Expect(card).ToHaveAttributeAsync("data-state", state);
        }

        await Expect(card.Locator(".ready-done")).ToContainTextAsync(published);
        Assert.Equal("Ready|" + published, await StateAsync(validatorId));
        await page.AssertAccessibleAsync();

        // Blocked needs a note: refused beside the field without one, recorded with it.
        await card.Locator(".blocked-form summary").ClickAsync();
        await card.Locator("button[id^='blocked-']").ClickAsync();
        await Expect(card.Locator(".blocked-form")).ToContainTextAsync("Say what blocks you");
        Assert.Equal("Ready|" + published, await StateAsync(validatorId));
        await card.Locator("textarea[id^='note-']").FillAsync("disk full, replacing it");
        await card.Locator("button[id^='blocked-']").ClickAsync();
        await Expect(card).ToHaveAttributeAsync("data-state", "blocked");
        await Expect(card.Locator(".blocked-note")).ToContainTextAsync("disk full, replacing it");
        Assert.StartsWith("Blocked|", await StateAsync(validatorId), StringComparison.Ordinal);
        await Expect(next).ToHaveTextAsync("Acknowledge");
        await page.AssertAccessibleAsync();
        await ExpectFitsTheViewportAsync(page);
    }

    private async Task<string> StateAsync(Guid validatorId) =>
        await Portal.Database.ScalarAsync<string>(
            $"SELECT state || '|' || coalesce(version, '') FROM incident_validators WHERE incident_id = '{Incident.Id}' AND validator_id = '{validatorId}'")
        ?? throw new InvalidOperationException("No such validator in the incident.");
}
