using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>What a person does on the portal's pages, in the browser.</summary>
internal static partial class PortalPages
{
    public const string AuthCookie = "portal.auth";

    public static async Task SignInWithPasswordAsync(IPage page, string userName, string password)
    {
        await page.Locator("#user-name").FillAsync(userName);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("#password-form button[type=submit]").ClickAsync();
    }

    public static async Task ExpectSignedInAsAsync(IPage page, string userName)
    {
        await Expect(page.Locator("#signed-in-as")).ToHaveTextAsync(userName);
        var cookie = (await page.Context.CookiesAsync()).SingleOrDefault(c => c.Name == AuthCookie);
        Assert.NotNull(cookie);
        Assert.True(cookie.Secure, "the session cookie should be Secure");
        Assert.True(cookie.HttpOnly, "the session cookie should be HttpOnly");
        Assert.Equal(SameSiteAttribute.Lax, cookie.SameSite);
    }

    public static async Task ExpectSignedOutAsync(IPage page)
    {
        await Expect(page.Locator("header a[href='/account/sign-in']")).ToBeVisibleAsync();
        await Expect(page.Locator("#signed-in-as")).ToHaveCountAsync(0);
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == AuthCookie);
    }

    public static async Task SignOutAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await ExpectSignedOutAsync(page);
    }

    /// <summary>Exactly the site root, whatever the port.</summary>
    public static Regex Home { get; } = HomeRegex();

    [GeneratedRegex(@"^https://localhost:\d+/$")]
    private static partial Regex HomeRegex();

    /// <summary>Where an operator with no other role lands after signing in.</summary>
    public static Regex OperatorLanding { get; } = OperatorLandingRegex();

    [GeneratedRegex(@"^https://localhost:\d+/me/validators$")]
    private static partial Regex OperatorLandingRegex();

    /// <summary>Where anyone lands after signing in: the home page, or an operator's validators.</summary>
    public static Regex Landing { get; } = LandingRegex();

    [GeneratedRegex(@"^https://localhost:\d+/(me/validators)?$")]
    private static partial Regex LandingRegex();

    public static string UniqueName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];
}
