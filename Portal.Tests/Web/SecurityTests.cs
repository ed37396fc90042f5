using System.Net;
using System.Net.WebSockets;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web;

public sealed class SecurityTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Pages_carry_a_content_security_policy_without_inline_script_and_the_other_headers()
    {
        // HSTS is never sent for localhost, so ask as the portal's public host name.
        var client = portal.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://portal.example") });
        var response = await client.GetAsync(new Uri("/", UriKind.Relative));
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();

        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("max-age=", response.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Password_sign_in_sets_an_httponly_secure_lax_cookie_and_is_audited()
    {
        var user = await TestUsers.CreateAsync(portal, ["observer"]);
        var client = portal.CreateHttpsClient();

        var response = await FormPost.SignInAsync(client, user.UserName, user.Password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("portal.auth=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("httponly", cookie, StringComparison.Ordinal);
        Assert.Contains("secure", cookie, StringComparison.Ordinal);
        Assert.Contains("samesite=lax", cookie, StringComparison.Ordinal);
        var tokensPage = await client.GetAsync(new Uri("/account/tokens", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, tokensPage.StatusCode);
        // The in-process test server has no client address; the browser tests check it over real TCP.
        Assert.Equal(1L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM security_events WHERE kind = 'sign-in' AND user_id = '{user.Id}' AND detail = 'password'"));
    }

    [Fact]
    public async Task A_wrong_password_is_refused_audited_and_five_failures_throttle_this_address_without_locking_the_account()
    {
        var user = await TestUsers.CreateAsync(portal, ["observer"]);
        var client = portal.CreateHttpsClient();

        var first = await FormPost.SignInAsync(client, user.UserName, "wrong password, surely");
        for (var i = 0; i < 4; i++)
        {
            await FormPost.SignInAsync(client, user.UserName, "wrong password, surely");
        }

        var withRightPassword = await FormPost.SignInAsync(client, user.UserName, user.Password);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("The user name or password is wrong.", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("Too many failed attempts", await withRightPassword.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync(new Uri("/account/tokens", UriKind.Relative))).StatusCode);
        Assert.Equal(5L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM security_events WHERE kind = 'sign-in-failed' AND actor = '{user.UserName}'"));
        Assert.Equal(1L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM security_events WHERE kind = 'sign-in-throttled' AND actor = '{user.UserName}'"));
        // The account itself is not locked: the throttle is per address (SignInProtectionTests).
        Assert.Equal(0L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM users WHERE id = '{user.Id}' AND lockout_end IS NOT NULL"));
    }

    [Fact]
    public async Task A_form_post_without_the_antiforgery_token_is_refused_and_signs_nobody_in()
    {
        var user = await TestUsers.CreateAsync(portal, ["observer"]);
        var client = portal.CreateHttpsClient();

        var response = await FormPost.SubmitAsync(client, "/account/sign-in", "password",
            new Dictionary<string, string> { ["Input.UserName"] = user.UserName, ["Input.Password"] = user.Password }, withAntiforgery: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("portal.auth=", StringComparison.Ordinal)));
        Assert.Equal(0L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM security_events WHERE kind = 'sign-in' AND user_id = '{user.Id}'"));
    }

    [Theory]
    [InlineData("/account/passkey/request-options")]
    [InlineData("/account/passkey/creation-options")]
    [InlineData("/account/sign-out")]
    public async Task Account_actions_without_the_antiforgery_token_are_refused(string path)
    {
        var user = await TestUsers.CreateAsync(portal, ["observer"]);
        var client = portal.CreateHttpsClient();
        await FormPost.SignInAsync(client, user.UserName, user.Password);

        var response = await client.PostAsync(new Uri(path, UriKind.Relative), null);
        var stillSignedIn = await client.GetAsync(new Uri("/account/tokens", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stillSignedIn.StatusCode);
    }

    [Fact]
    public async Task Anonymous_visitors_are_sent_to_sign_in_and_other_roles_are_denied_admin_pages()
    {
        var anonymous = await portal.CreateHttpsClient().GetAsync(new Uri("/admin/users", UriKind.Relative));
        var observer = await TestUsers.CreateAsync(portal, ["observer"]);
        var client = portal.CreateHttpsClient();
        await FormPost.SignInAsync(client, observer.UserName, observer.Password);
        var denied = await client.GetAsync(new Uri("/admin/users", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.StartsWith("https://localhost/account/sign-in?ReturnUrl=%2Fadmin%2Fusers", anonymous.Headers.Location?.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, denied.StatusCode);
        Assert.StartsWith("https://localhost/account/denied", denied.Headers.Location?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hub_refuses_a_websocket_handshake_from_a_foreign_origin_and_accepts_its_own()
    {
        var foreign = portal.Server.CreateWebSocketClient();
        foreign.ConfigureRequest = request => request.Headers.Origin = "https://evil.example";
        var own = portal.Server.CreateWebSocketClient();
        own.ConfigureRequest = request => request.Headers.Origin = "http://localhost";

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => foreign.ConnectAsync(new Uri("ws://localhost/hubs/incidents"), CancellationToken.None));
        using var accepted = await own.ConnectAsync(new Uri("ws://localhost/hubs/incidents"), CancellationToken.None);

        Assert.Contains("403", refused.Message, StringComparison.Ordinal);
        Assert.Equal(WebSocketState.Open, accepted.State);
    }

    [Fact]
    public async Task The_hub_negotiation_from_a_foreign_origin_is_403()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/incidents/negotiate?negotiateVersion=1");
        request.Headers.Add("Origin", "https://evil.example");

        var response = await portal.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Data_protection_keys_live_in_postgresql_so_a_second_instance_honours_the_first_ones_cookie()
    {
        var user = await TestUsers.CreateAsync(portal, ["observer"]);
        var first = portal.CreateHttpsClient();
        var signIn = await FormPost.SignInAsync(first, user.UserName, user.Password);
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("portal.auth=", StringComparison.Ordinal)).Split(';')[0];

        await using var second = new SameDatabasePortal(portal.Database);
        await second.InitializeAsync();
        var client = second.CreateHttpsClient();
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        var response = await client.GetAsync(new Uri("/account/tokens", UriKind.Relative));

        Assert.True(await portal.Database.ScalarAsync<long>("SELECT count(*) FROM data_protection_keys") >= 1);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(user.UserName, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

}

public sealed class RateLimitTests(RateLimitTests.TightLimits portal) : IClassFixture<RateLimitTests.TightLimits>
{
    public sealed class TightLimits : PortalFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings =>
            [new("Portal:RateLimits:ApiPerMinute", "3"), new("Portal:RateLimits:SignInPerMinute", "2")];
    }

    [Fact]
    public async Task The_api_answers_429_with_retry_after_once_a_token_exceeds_its_rate()
    {
        var client = portal.CreateApiClient();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 4; i++)
        {
            last = await client.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, (HttpStatusCode)429], statuses);
        Assert.True(int.Parse(last!.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal("application/problem+json", last.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Sign_in_attempts_are_limited_per_client()
    {
        var client = portal.CreateHttpsClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await FormPost.SignInAsync(client, "nobody", "guessing-passwords")).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, (HttpStatusCode)429], statuses);
    }
}
