using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.Data.Identity;
using Portal.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>
/// The admin's Users page in Chromium, through the page only: invite (the link shown once, with a copy
/// button), bind and unbind a validator picked from lists, change roles (a refusal shown as a message),
/// disable (the user's API token stops working at once), unlock, re-invite, enable; at 1280 px and on a 390 px
/// phone, with axe on every view. The invitation form refuses bad names and e-mails beside the field.
/// </summary>
public sealed class UserAdminBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : LiveIncidentBrowserTest(portal, chromium), IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    [Theory]
    [InlineData(1280, 900)]
    [InlineData(390, 844)]
    public async Task An_admin_invites_binds_changes_roles_disables_unlocks_and_reinvites(int width, int height)
    {
        var admin = await TestUsers.CreateAsync(Portal, [Roles.Admin]);
        var page = await OpenConsoleAsync(admin, "/admin/users", width, height);
        await page.AssertAccessibleAsync();

        // Invite: the link appears once, with a copy button.
        var name = PortalPages.UniqueName("invitee");
        await page.Locator("#invite-name").FillAsync(name);
        await page.Locator("#invite-roles").GetByRole(AriaRole.Checkbox, new() { Name = "operator", Exact = true }).CheckAsync();
        await page.Locator("#invite-submit").ClickAsync();
        await Expect(page.Locator("#invitation-link")).ToContainTextAsync(new Regex(@"^https://localhost:\d+/account/accept-invitation\?"));
        await Expect(page.Locator("#copy-invitation")).ToBeVisibleAsync();
        var invitee = await Portal.Database.ScalarAsync<Guid>($"SELECT id FROM users WHERE user_name = '{name}'");
        await Expect(page.Locator($"#users tr[data-user='{name}'] .roles")).ToHaveTextAsync("operator");
        await page.AssertAccessibleAsync();

        // Bind a validator picked by network, unbind it, bind it again.
        var manage = page.Locator($"#manage[data-user='{name}']");
        await Expect(manage).ToBeVisibleAsync();
        var networkId = await Portal.Database.ScalarAsync<Guid>($"SELECT network_id FROM incidents WHERE id = '{Incident.Id}'");
        var validatorId = Incident.ValidatorIds[0];
        await page.Locator("#bind-network").SelectOptionAsync(networkId.ToString());
        await page.Locator("#bind-validator").SelectOptionAsync(validatorId.ToString());
        await page.Locator("#bind").ClickAsync();
        await Expect(page.Locator("#user-message")).ToHaveTextAsync("Validator bound.");
        await Expect(manage.Locator($"#bindings li[data-validator='{validatorId}']")).ToBeVisibleAsync();
        Assert.Equal(1L, await BindingsAsync(invitee));
        await manage.Locator($"#bindings li[data-validator='{validatorId}'] .unbind").ClickAsync();
        await Expect(page.Locator("#user-message")).ToHaveTextAsync("Validator unbound.");
        Assert.Equal(0L, await BindingsAsync(invitee));
        await page.Locator("#bind-validator").SelectOptionAsync(validatorId.ToString());
        await page.Locator("#bind").ClickAsync();
        await Expect(manage.Locator($"#bindings li[data-validator='{validatorId}']")).ToBeVisibleAsync();
        Assert.Equal(1L, await BindingsAsync(invitee));

        // Roles: dropping operator while a validator is bound is refused, adding observer is saved.
        var roles = page.Locator("#manage-roles");
        await roles.GetByRole(AriaRole.Checkbox, new() { Name = "observer", Exact = true }).CheckAsync();
        await roles.GetByRole(AriaRole.Checkbox, new() { Name = "operator", Exact = true }).UncheckAsync();
        await page.Locator("#save-roles").ClickAsync();
        await Expect(page.Locator("#user-message")).ToContainTextAsync("Validators can be bound only to a user with the operator role.");
        await Expect(page.Locator($"#users tr[data-user='{name}'] .roles")).ToHaveTextAsync("operator");
        await roles.GetByRole(AriaRole.Checkbox, new() { Name = "operator", Exact = true }).CheckAsync();
        await page.Locator("#save-roles").ClickAsync();
        await Expect(page.Locator("#user-message")).ToHaveTextAsync("Roles saved.");
        await Expect(page.Locator($"#users tr[data-user='{name}'] .roles")).ToHaveTextAsync("observer, operator");
        await page.AssertAccessibleAsync();

        // A user with an API token and a locked account: disabled (the token stops working), unlocked, re-invited, enabled.
        var target = await TestUsers.CreateAsync(Portal, [Roles.Operator]);
        await Portal.Database.ExecuteAsync($"UPDATE users SET lockout_end = now() + interval '1 hour', access_failed_count = 5 WHERE id = '{target.Id}'");
        await page.ReloadAsync();
        await ConsoleBrowserTests.WaitForCircuitAsync(page);
        var row = page.Locator($"#users tr[data-user='{target.UserName}']");
        await Expect(row).ToHaveAttributeAsync("data-locked", "true");
        await row.Locator(".manage-user").ClickAsync();
        await page.Locator("#toggle-disabled").ClickAsync();
        await Expect(page.Locator("#user-message")).ToContainTextAsync("User disabled");
        await Expect(row).ToHaveAttributeAsync("data-disabled", "true");
        using (var api = ApiClient(target.Token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync(new Uri("api/v1/me", UriKind.Relative))).StatusCode);
        }

        await page.Locator("#unlock").ClickAsync();
        await Expect(page.Locator("#user-message")).ToHaveTextAsync("Sign-in unlocked.");
        await Expect(row).ToHaveAttributeAsync("data-locked", "false");
        Assert.Equal(0L, await Portal.Database.ScalarAsync<long>($"SELECT count(*) FROM users WHERE id = '{target.Id}' AND (lockout_end IS NOT NULL OR access_failed_count > 0)"));

        await page.Locator("#reinvite").ClickAsync();
        await Expect(page.Locator("#reinvitation-link")).ToContainTextAsync(new Regex(@"^https://localhost:\d+/account/accept-invitation\?"));
        await page.AssertAccessibleAsync();

        await page.Locator("#toggle-disabled").ClickAsync();
        await Expect(page.Locator("#user-message")).ToHaveTextAsync("User enabled.");
        await Expect(row).ToHaveAttributeAsync("data-disabled", "false");
        await ExpectFitsTheViewportAsync(page);
    }

    [Fact]
    public async Task The_invitation_form_refuses_bad_user_names_and_emails_beside_the_field()
    {
        var admin = await TestUsers.CreateAsync(Portal, [Roles.Admin]);
        var page = await OpenConsoleAsync(admin, "/admin/users");
        var users = await Portal.Database.ScalarAsync<long>("SELECT count(*) FROM users");

        foreach (var (userName, email, field, message) in new[]
        {
            ("\u200B", "", "#invite-name", "A user name"),
            (new string('u', 300), "", "#invite-name", "A user name"),
            ("form-eve", "not-an-email", "#invite-email", "That is not an e-mail address"),
            ("form-eve", "eve@example.org\u0001", "#invite-email", "That is not an e-mail address"),
        })
        {
            await page.Locator("#invite-name").FillAsync(userName);
            await page.Locator("#invite-email").FillAsync(email);
            await page.Locator("#invite-roles").GetByRole(AriaRole.Checkbox, new() { Name = "observer", Exact = true }).CheckAsync();
            await page.Locator("#invite-submit").ClickAsync();
            await Expect(page.Locator(field).Locator("xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' mud-input-control ')][1]")).ToContainTextAsync(message);
            Assert.Equal(users, await Portal.Database.ScalarAsync<long>("SELECT count(*) FROM users"));
        }

        await page.AssertAccessibleAsync();
    }

    private async Task<long> BindingsAsync(Guid userId) =>
        await Portal.Database.ScalarAsync<long>($"SELECT count(*) FROM operator_bindings WHERE user_id = '{userId}'");
}
