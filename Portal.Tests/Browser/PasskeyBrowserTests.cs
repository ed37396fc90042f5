using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>
/// The real WebAuthn ceremonies, in Chromium, against a CDP virtual authenticator (a platform authenticator
/// with resident keys and user verification that always says yes). The authenticator belongs to the page's
/// browser context, so each test keeps one page throughout.
/// </summary>
public sealed class PasskeyBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task A_signed_in_user_adds_a_passkey_and_later_signs_in_with_it_alone()
    {
        var name = PortalPages.UniqueName("erin");
        await portal.CreateOperatorAsync(name, Password);
        var page = await chromium.NewPageAsync(portal);
        await using var context = page.Context;
        var (cdp, authenticatorId) = await AddVirtualAuthenticatorAsync(page);

        await SignInAndAddPasskeyAsync(page, name);

        // Stored on the server, and it is the credential the authenticator holds.
        var stored = Assert.Single(await portal.PasskeysOfAsync(name));
        var held = await CredentialIdsAsync(cdp, authenticatorId);
        Assert.Equal(WebEncoders.Base64UrlEncode(stored.CredentialId), Assert.Single(held));

        await PortalPages.SignOutAsync(page);
        await page.GotoAsync("/account/sign-in");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(PortalPages.OperatorLanding);
        await PortalPages.ExpectSignedInAsAsync(page, name);
    }

    [Fact]
    public async Task A_user_removes_their_passkey()
    {
        var name = PortalPages.UniqueName("finn");
        await portal.CreateOperatorAsync(name, Password);
        var page = await chromium.NewPageAsync(portal);
        await using var context = page.Context;
        await AddVirtualAuthenticatorAsync(page);
        await SignInAndAddPasskeyAsync(page, name);

        await page.Locator("#passkeys").GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();

        await Expect(page.Locator("#passkey-message")).ToHaveTextAsync("Passkey removed.");
        await Expect(page.Locator("#no-passkeys")).ToHaveTextAsync("You have no passkeys yet.");
        await Expect(page.Locator("#passkeys")).ToHaveCountAsync(0);
        Assert.Empty(await portal.PasskeysOfAsync(name));
    }

    [Fact]
    public async Task Without_a_passkey_the_passkey_button_says_so_and_signs_no_one_in()
    {
        var page = await chromium.NewPageAsync(portal);
        await using var context = page.Context;
        await AddVirtualAuthenticatorAsync(page);

        await page.GotoAsync("/account/sign-in");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();

        await Expect(page.Locator("#passkey-sign-in [data-passkey-status]")).ToHaveTextAsync("The passkey request was cancelled or timed out.");
        await PortalPages.ExpectSignedOutAsync(page);
    }

    private static async Task SignInAndAddPasskeyAsync(IPage page, string name)
    {
        await page.GotoAsync("/account/sign-in");
        await PortalPages.SignInWithPasswordAsync(page, name, Password);
        await Expect(page).ToHaveURLAsync(PortalPages.OperatorLanding);
        await PortalPages.ExpectSignedInAsAsync(page, name);

        await page.GotoAsync("/account/passkeys");
        await Expect(page.Locator("#no-passkeys")).ToBeVisibleAsync();
        await page.Locator("#add-passkey").GetByRole(AriaRole.Button, new() { Name = "Add a passkey" }).ClickAsync();

        await Expect(page.Locator("#passkey-message")).ToContainTextAsync("Passkey added");
        await Expect(page.Locator("#passkeys tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#no-passkeys")).ToHaveCountAsync(0);
    }

    private static async Task<(ICDPSession Cdp, string AuthenticatorId)> AddVirtualAuthenticatorAsync(IPage page)
    {
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable", new() { ["enableUI"] = false });
        var added = await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new()
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
            },
        });
        var id = added?.GetProperty("authenticatorId").GetString();
        Assert.False(string.IsNullOrEmpty(id), "Chromium returned no virtual authenticator id");
        return (cdp, id);
    }

    private static async Task<IReadOnlyList<string>> CredentialIdsAsync(ICDPSession cdp, string authenticatorId)
    {
        var result = await cdp.SendAsync("WebAuthn.getCredentials", new() { ["authenticatorId"] = authenticatorId });
        Assert.NotNull(result);
        // CDP reports credential ids in standard base64; the portal stores raw bytes.
        return [.. result.Value.GetProperty("credentials").EnumerateArray()
            .Select(c => WebEncoders.Base64UrlEncode(Convert.FromBase64String(c.GetProperty("credentialId").GetString()!)))];
    }
}
