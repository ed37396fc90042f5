using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

public sealed class PasswordSignInBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task A_user_signs_in_with_a_password_and_the_header_names_them()
    {
        var name = PortalPages.UniqueName("ada");
        await portal.CreateOperatorAsync(name, Password);
        var page = await chromium.NewPageAsync(portal);
        await using var context = page.Context;

        await page.GotoAsync("/account/sign-in");
        await PortalPages.SignInWithPasswordAsync(page, name, Password);

        await Expect(page).ToHaveURLAsync(PortalPages.OperatorLanding);
        await PortalPages.ExpectSignedInAsAsync(page, name);
        await Expect(page.Locator("#sign-in-error")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_wrong_password_shows_an_error_and_starts_no_session()
    {
        var name = PortalPages.UniqueName("bob");
        await portal.CreateOperatorAsync(name, Password);
        var page = await chromium.NewPageAsync(portal);
        await using var context = page.Context;

        await page.GotoAsync("/account/sign-in");
        await PortalPages.SignInWithPasswordAsync(page, name, Password + "!");

        await Expect(page.Locator("#sign-in-error")).ToHaveTextAsync("The user name or password is wrong.");
        Assert.EndsWith("/account/sign-in", page.Url, StringComparison.Ordinal);
        await PortalPages.ExpectSignedOutAsync(page);

        // The session really is absent: a page that needs one still sends the browser to sign in.
        await page.GotoAsync("/account/tokens");
        await Expect(page).ToHaveURLAsync(new Regex("/account/sign-in\\?ReturnUrl="));
    }

    [Fact]
    public async Task A_page_that_needs_a_session_sends_an_anonymous_browser_to_sign_in_and_back()
    {
        var name = PortalPages.UniqueName("cleo");
        await portal.CreateOperatorAsync(name, Password);
        var page = await chromium.NewPageAsync(portal);
        await using var context = page.Context;

        await page.GotoAsync("/account/tokens");

        await Expect(page).ToHaveURLAsync(new Regex(@"^https://localhost:\d+/account/sign-in\?ReturnUrl=%2Faccount%2Ftokens$"));
        await Expect(page.Locator("#tokens")).ToHaveCountAsync(0);

        await PortalPages.SignInWithPasswordAsync(page, name, Password);

        await Expect(page).ToHaveURLAsync(new Regex(@"^https://localhost:\d+/account/tokens$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "API tokens" })).ToBeVisibleAsync();
        await PortalPages.ExpectSignedInAsAsync(page, name);
    }
}
