using System.Net;
using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using MudBlazor.Services;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using Portal.Web.Components.Console;
using Portal.Web.Components.Incidents;
using Portal.Web.Components.Pages.Me;

namespace Portal.Tests.Paging;

/// <summary>GET/PUT /api/v1/me/notifications, the verification link, per-validator secondary contacts, and the console components.</summary>
public sealed partial class NotificationSettingsTests(PagingPortalFactory portal) : IClassFixture<PagingPortalFactory>
{
    private static readonly string[] NoSuchUser = ["nobody-by-this-name"];

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, object body) => Api.SendAsync(client, HttpMethod.Put, "/api/v1/me/notifications", body);

    [GeneratedRegex(@"https://portal\.example/me/notifications/verify\?token=[A-Za-z0-9_-]+")]
    private static partial Regex VerifyLink();

    [Fact]
    public async Task Defaults_are_no_channels_and_quiet_from_23_to_7_UTC()
    {
        var user = await TestUsers.CreateAsync(portal, ["operator"]);
        var settings = await Api.OkAsync(await Api.SendAsync(portal.CreateApiClient(user.Token), HttpMethod.Get, "/api/v1/me/notifications"));
        Assert.Equal("23:00", settings.GetProperty("quietFrom").GetString());
        Assert.Equal("07:00", settings.GetProperty("quietTo").GetString());
        Assert.Equal("UTC", settings.GetProperty("timeZone").GetString());
        Assert.Equal(JsonValueKind.Null, settings.GetProperty("email").ValueKind);
    }

    [Fact]
    public async Task Every_bad_field_is_named_with_its_own_message_and_nothing_is_saved()
    {
        var user = await TestUsers.CreateAsync(portal, ["operator"]);
        var client = portal.CreateApiClient(user.Token);

        var problem = await Api.ProblemAsync(await PutAsync(client, new
        {
            email = "not-an-address",
            telegramChatId = "t.me/someone",
            pagerDutyRoutingKey = "short",
            timeZone = "Mars/Olympus",
            quietFrom = "25:00",
            quietTo = "7am",
            secondaryContacts = NoSuchUser,
        }), HttpStatusCode.BadRequest, "email", "telegramChatId", "pagerDutyRoutingKey", "timeZone", "quietFrom", "quietTo", "secondaryContacts");

        Assert.Contains("IANA", problem.GetProperty("errors").GetProperty("timeZone")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM notification_settings WHERE user_id = '{user.Id}'"));
    }

    [Theory]
    [InlineData("W. Europe Standard Time")]
    [InlineData("Europe/Berlin\u0000")]
    public async Task Windows_zone_names_and_control_characters_are_refused(string zone)
    {
        var user = await TestUsers.CreateAsync(portal, ["operator"]);
        await Api.ProblemAsync(await PutAsync(portal.CreateApiClient(user.Token), new { timeZone = zone }), HttpStatusCode.BadRequest, "timeZone");
    }

    [Fact]
    public async Task A_new_address_is_used_only_after_its_link_is_followed_and_the_link_works_once()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var (user, client) = await scenario.OperatorAsync(6);
        var address = $"op-{user.Id:N}@example.org";

        var saved = await Api.OkAsync(await PutAsync(client, new { email = address, timeZone = "Europe/Berlin", quietFrom = "22:30", quietTo = "06:45" }));
        Assert.False(saved.GetProperty("emailVerified").GetBoolean());
        Assert.Equal("22:30", saved.GetProperty("quietFrom").GetString());
        var commander = await scenario.ClientAsync("commander");
        var before = await Api.OkAsync(await Api.SendAsync(commander, HttpMethod.Post, $"{scenario.Base}/validators/{scenario.Keys[6]}/page", new { }), HttpStatusCode.Accepted);
        Assert.DoesNotContain("email", before.GetProperty("channels").EnumerateArray().Select(c => c.GetString()));

        var mail = Assert.Single(portal.Notices, n => n.Channel == "email" && n.Destination == address);
        var link = new Uri(VerifyLink().Match(mail.Text).Value);
        var browser = portal.CreateHttpsClient();
        var followed = await browser.GetAsync(new Uri(link.PathAndQuery, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, followed.StatusCode);
        Assert.Equal("/me/notifications?verified=true", followed.Headers.Location!.OriginalString);
        Assert.True((await Api.OkAsync(await Api.SendAsync(client, HttpMethod.Get, "/api/v1/me/notifications"))).GetProperty("emailVerified").GetBoolean());

        var after = await Api.OkAsync(await Api.SendAsync(commander, HttpMethod.Post, $"{scenario.Base}/validators/{scenario.Keys[6]}/page", new { }), HttpStatusCode.Accepted);
        Assert.Contains("email", after.GetProperty("channels").EnumerateArray().Select(c => c.GetString()));

        var again = await browser.GetAsync(new Uri(link.PathAndQuery, UriKind.Relative));
        Assert.Equal("/me/notifications?verified=false", again.Headers.Location!.OriginalString);

        // Changing the address withdraws the confirmation.
        var changed = await Api.OkAsync(await PutAsync(client, new { email = "other-" + address }));
        Assert.False(changed.GetProperty("emailVerified").GetBoolean());
    }

    [Fact]
    public async Task The_PagerDuty_key_is_never_shown_back_and_is_kept_when_left_empty()
    {
        var user = await TestUsers.CreateAsync(portal, ["operator"]);
        var client = portal.CreateApiClient(user.Token);
        var saved = await Api.OkAsync(await PutAsync(client, new { pagerDutyRoutingKey = "0PERATORKEY000000000000000000009" }));
        Assert.True(saved.GetProperty("pagerDutyKeySet").GetBoolean());
        Assert.DoesNotContain("0PERATORKEY", saved.GetRawText(), StringComparison.Ordinal);

        Assert.True((await Api.OkAsync(await PutAsync(client, new { telegramChatId = "12345" }))).GetProperty("pagerDutyKeySet").GetBoolean());
        Assert.False((await Api.OkAsync(await PutAsync(client, new { removePagerDuty = true }))).GetProperty("pagerDutyKeySet").GetBoolean());
    }

    [Fact]
    public async Task Secondary_contacts_are_portal_users_and_not_oneself()
    {
        var user = await TestUsers.CreateAsync(portal, ["operator"]);
        var deputy = await TestUsers.CreateAsync(portal, ["operator"]);
        var client = portal.CreateApiClient(user.Token);

        await Api.ProblemAsync(await PutAsync(client, new { secondaryContacts = new[] { user.UserName } }), HttpStatusCode.BadRequest, "secondaryContacts");
        var saved = await Api.OkAsync(await PutAsync(client, new { secondaryContacts = new[] { deputy.UserName.ToUpperInvariant() } }));
        Assert.Equal([deputy.UserName], saved.GetProperty("secondaryContacts").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal([deputy.UserName], (await Api.OkAsync(await PutAsync(client, new { secondaryContacts = new[] { deputy.UserName } }))).GetProperty("secondaryContacts").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task Commanders_set_a_validators_secondary_contacts_operators_may_not()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var lead = await TestUsers.CreateAsync(portal, ["observer"]);
        var path = $"/api/v1/networks/{scenario.NetworkId}/validators/{scenario.Keys[2]}/secondary-contacts";

        var set = await Api.OkAsync(await Api.SendAsync(await scenario.ClientAsync("commander"), HttpMethod.Put, path, new { userNames = new[] { lead.UserName } }));
        Assert.Equal([lead.UserName], set.GetProperty("userNames").EnumerateArray().Select(c => c.GetString()));
        await Api.ProblemAsync(await Api.SendAsync(scenario.Admin, HttpMethod.Put, path, new { userNames = NoSuchUser }), HttpStatusCode.BadRequest, "userNames");
        await Api.ProblemAsync(await Api.SendAsync(scenario.Admin, HttpMethod.Put, $"/api/v1/networks/{scenario.NetworkId}/validators/0xnone/secondary-contacts", new { userNames = Array.Empty<string>() }), HttpStatusCode.NotFound);
        var (_, operatorClient) = await scenario.OperatorAsync(2);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(operatorClient, HttpMethod.Put, path, new { userNames = Array.Empty<string>() })).StatusCode);
    }

    private sealed class SignedIn(Guid userId, string name) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() =>
            Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, userId.ToString()), new Claim(ClaimTypes.Name, name)], "test"))));
    }

    /// <summary>A bunit context whose services calls run against this portal as <paramref name="user"/>.</summary>
    private BunitContext Console(TestUser user)
    {
        var bunit = new BunitContext();
        bunit.Services.AddMudServices();
        bunit.Services.AddSingleton(new OperationScope(portal.Services.GetRequiredService<IServiceScopeFactory>(), new SignedIn(user.Id, user.UserName)));
        bunit.JSInterop.Mode = JSRuntimeMode.Loose;
        bunit.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        return bunit;
    }

    [Fact]
    public async Task The_settings_page_shows_a_message_beside_each_bad_field_and_saves_good_ones()
    {
        var user = await TestUsers.CreateAsync(portal, ["operator"]);
        using var bunit = Console(user);
        var cut = bunit.Render<NotificationSettingsPage>();
        cut.WaitForElement("#settings-form");

        cut.Find("#settings-telegram").Change("not a chat");
        cut.Find("#settings-zone").Change("Nowhere/Special");
        cut.Find("#settings-quiet-from").Change("9pm");
        await cut.Find("#settings-form").SubmitAsync();

        string Beside(string id) => cut.Find(id).Closest(".mud-input-control")!.TextContent;
        cut.WaitForAssertion(() => Assert.Contains("A Telegram chat id is a number", Beside("#settings-telegram"), StringComparison.Ordinal));
        Assert.Contains("Use an IANA time zone name", Beside("#settings-zone"), StringComparison.Ordinal);
        Assert.Contains("Use a 24-hour time", Beside("#settings-quiet-from"), StringComparison.Ordinal);
        Assert.DoesNotContain("24-hour time like", Beside("#settings-quiet-to"), StringComparison.Ordinal);
        Assert.DoesNotContain("e-mail address (like", Beside("#settings-email"), StringComparison.Ordinal);

        cut.Find("#settings-telegram").Change("-1001234");
        cut.Find("#settings-zone").Change("Asia/Shanghai");
        cut.Find("#settings-quiet-from").Change("22:00");
        await cut.Find("#settings-form").SubmitAsync();

        cut.WaitForElement("#settings-saved");
        Assert.Empty(cut.FindAll(".mud-input-error"));
        Assert.Equal("-1001234|Asia/Shanghai|1320", await portal.Database.ScalarAsync<string>(
            $"SELECT concat_ws('|', telegram_chat_id, time_zone, quiet_start_minute) FROM notification_settings WHERE user_id = '{user.Id}'"));
    }

    [Fact]
    public async Task The_page_button_pages_with_a_message_and_says_how_in_a_snackbar()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);
        using var bunit = Console(commander);
        var cut = bunit.Render<PageButton>(p => p.Add(b => b.IncidentId, scenario.IncidentId).Add(b => b.Key, scenario.Keys[8]).Add(b => b.Name, "Validator 08"));

        cut.Find($"#page-{scenario.Keys[8]}").Click();
        cut.Find($"#page-message-{scenario.Keys[8]}").Change("Your turn");
        await cut.Find($"#page-send-{scenario.Keys[8]}").ClickAsync(new());

        var snackbar = bunit.Services.GetRequiredService<ISnackbar>();
        cut.WaitForAssertion(() => Assert.Contains(snackbar.ShownSnackbars, s => s.Message != null && s.Message.Contains("Paged Validator 08", StringComparison.Ordinal)));
        Assert.Equal("Your turn", await portal.Database.ScalarAsync<string>($"SELECT message FROM pages WHERE incident_id = '{scenario.IncidentId}'"));
    }

    [Fact]
    public async Task The_page_button_shows_the_refusal_when_an_operator_tries()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var (user, _) = await scenario.OperatorAsync(8);
        using var bunit = Console(user);
        var cut = bunit.Render<PageButton>(p => p.Add(b => b.IncidentId, scenario.IncidentId).Add(b => b.Key, scenario.Keys[8]).Add(b => b.Name, "Validator 08"));

        cut.Find($"#page-{scenario.Keys[8]}").Click();
        await cut.Find($"#page-send-{scenario.Keys[8]}").ClickAsync(new());

        var snackbar = bunit.Services.GetRequiredService<ISnackbar>();
        cut.WaitForAssertion(() => Assert.Contains(snackbar.ShownSnackbars, s => s.Message != null && s.Message.Contains("commander", StringComparison.Ordinal)));
        Assert.Equal(0, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM pages WHERE incident_id = '{scenario.IncidentId}'"));
    }

    [Fact]
    public async Task Page_all_needed_button_pages_the_closing_set()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);
        using var bunit = Console(commander);
        var cut = bunit.Render<PageAllNeededButton>(p => p.Add(b => b.IncidentId, scenario.IncidentId));

        cut.Find("#page-needed").Click();
        await cut.Find("#page-needed-send").ClickAsync(new());

        var snackbar = bunit.Services.GetRequiredService<ISnackbar>();
        cut.WaitForAssertion(() => Assert.Contains(snackbar.ShownSnackbars, s => s.Message != null && s.Message.StartsWith("Paged 17 validator(s)", StringComparison.Ordinal)));
        Assert.Equal(17, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM pages WHERE incident_id = '{scenario.IncidentId}'"));
    }
}
