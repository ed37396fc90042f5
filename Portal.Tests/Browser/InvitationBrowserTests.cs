using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

public sealed class InvitationBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task An_invitation_link_sets_the_first_password_signs_in_and_then_stops_working()
    {
        var name = PortalPages.UniqueName("dora");
        var (_, link) = await portal.InviteOperatorAsync(name);
        var page = await chromium.NewPageAsync(portal);
        await using var context = page.Context;

        await page.GotoAsync(link.ToString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Welcome, " + name })).ToBeVisibleAsync();
        await Expect(page.Locator("#new-password")).ToBeVisibleAsync();
        await Expect(page.Locator("#invitation-error")).ToHaveCountAsync(0);

        // Too short: refused, and still no session.
        await page.Locator("#new-password").FillAsync("short-pass1");
        await page.Locator("#confirm-password").FillAsync("short-pass1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password and sign in" }).ClickAsync();
        await Expect(page.GetByText("Use at least 12 characters.")).ToBeVisibleAsync();
        await PortalPages.ExpectSignedOutAsync(page);

        const string password = "a long enough passphrase";
        await page.Locator("#new-password").FillAsync(password);
        await page.Locator("#confirm-password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password and sign in" }).ClickAsync();

        // An operator lands on their validators, as after signing in.
        await Expect(page).ToHaveURLAsync(PortalPages.OperatorLanding);
        await PortalPages.ExpectSignedInAsAsync(page, name);
        await ConsoleBrowserTests.WaitForCircuitAsync(page);
        await page.AssertAccessibleAsync();

        // The link was for one use: it no longer offers a password form, even to the signed-in user.
        await page.GotoAsync(link.ToString());
        await Expect(page.Locator("#invitation-error")).ToContainTextAsync("not valid");
        await Expect(page.Locator("#new-password")).ToHaveCountAsync(0);

        // And the password chosen is the one that now works.
        await PortalPages.SignOutAsync(page);
        await page.GotoAsync("/account/sign-in");
        await PortalPages.SignInWithPasswordAsync(page, name, password);
        await Expect(page).ToHaveURLAsync(PortalPages.OperatorLanding);
        await PortalPages.ExpectSignedInAsAsync(page, name);
    }
}
