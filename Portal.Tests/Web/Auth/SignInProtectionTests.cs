using System.Net;
using Microsoft.Extensions.Configuration;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Security;

namespace Portal.Tests.Web.Auth;

/// <summary>Sign-in protection that an attacker cannot turn against the users it protects (API.md v1.1).</summary>
public sealed class SignInProtectionTests(SignInProtectionTests.Portal portal) : IClassFixture<SignInProtectionTests.Portal>
{
    public sealed class Portal : AddressedPortal
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Portal:RateLimits:InvalidTokensPerMinute", "3")];
    }

    private const string Attacker = "198.51.100.7";
    private const string Office = "203.0.113.5";

    [Fact]
    public async Task Wrong_passwords_from_one_address_block_only_that_address_and_never_the_users_tokens()
    {
        var user = await TestUsers.CreateAsync(portal, ["operator"]);
        var attacker = portal.ClientAt(Attacker);
        var answers = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            answers.Add(await (await FormPost.SignInAsync(attacker, user.UserName, $"guess number {i}")).Content.ReadAsStringAsync());
        }

        var attackerWithRightPassword = await (await FormPost.SignInAsync(attacker, user.UserName, user.Password)).Content.ReadAsStringAsync();
        var fromTheOffice = await FormPost.SignInAsync(portal.ClientAt(Office), user.UserName, user.Password);
        var script = await portal.ClientAt(Attacker, api: true, token: user.Token).GetAsync(new Uri("/api/v1/me", UriKind.Relative));

        Assert.All(answers.Take(5), a => Assert.Contains("The user name or password is wrong.", a, StringComparison.Ordinal));
        Assert.All(answers.Skip(5), a => Assert.Contains("Too many failed attempts for this account from your address", a, StringComparison.Ordinal));
        Assert.Contains("Too many failed attempts", attackerWithRightPassword, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, fromTheOffice.StatusCode);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal(0L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM users WHERE id = '{user.Id}' AND (lockout_end IS NOT NULL OR access_failed_count > 0)"));
        Assert.Equal(3L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM security_events WHERE kind = 'sign-in-throttled' AND user_id = '{user.Id}' AND source_address = '{Attacker}'"));
    }

    [Fact]
    public async Task An_admin_unlock_lets_the_blocked_address_try_again()
    {
        var user = await TestUsers.CreateAsync(portal, ["observer"]);
        var client = portal.ClientAt("198.51.100.8");
        for (var i = 0; i < 5; i++)
        {
            await FormPost.SignInAsync(client, user.UserName, "not the password");
        }

        var blocked = await FormPost.SignInAsync(client, user.UserName, user.Password);
        var unlock = await portal.CreateApiClient().PutAsync(new Uri($"/api/v1/users/{user.Id}", UriKind.Relative), Api.Api.Json(new { unlock = true }));
        var after = await FormPost.SignInAsync(client, user.UserName, user.Password);

        Assert.Equal(HttpStatusCode.OK, blocked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, unlock.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
    }

    [Fact]
    public async Task Unknown_users_users_without_a_password_and_wrong_passwords_all_cost_one_password_hash_check()
    {
        var user = await TestUsers.CreateAsync(portal, ["observer"]);
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var invited = await scope.ServiceProvider.GetRequiredService<global::Portal.Web.Features.Accounts.Invitations>()
                .CreateUserAsync(new global::Portal.Web.Features.Accounts.NewUser("invited-" + Guid.NewGuid().ToString("N")[..8], null, ["observer"], []), "test", null);
            Assert.NotNull(invited.User);
            var client = portal.ClientAt("198.51.100.20");

            var work = new Dictionary<string, int>();
            foreach (var (what, name, password) in new[]
            {
                ("unknown user", "nobody-" + Guid.NewGuid().ToString("N")[..8], "some password here"),
                ("no password yet", invited.User.UserName!, "some password here"),
                ("wrong password", user.UserName, "some password here"),
                ("right password", user.UserName, user.Password),
            })
            {
                var before = portal.Hasher.Verifications;
                await FormPost.SignInAsync(client, name, password);
                work[what] = portal.Hasher.Verifications - before;
            }

            Assert.Equal(new Dictionary<string, int> { ["unknown user"] = 1, ["no password yet"] = 1, ["wrong password"] = 1, ["right password"] = 1 }, work);
        }
    }

    [Fact]
    public async Task Invalid_bearer_tokens_are_limited_per_client_address_with_429_and_retry_after()
    {
        var guesser = portal.ClientAt("192.0.2.50", api: true, token: "vcp_guess");
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 5; i++)
        {
            guesser.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", $"vcp_guess_{i}");
            last = await guesser.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
            statuses.Add(last.StatusCode);
        }

        // Once limited, even a valid token from that address is refused, so guesses learn nothing; other addresses are unaffected.
        var validFromGuesser = await portal.ClientAt("192.0.2.50", api: true, token: PortalFactory.AdminToken).GetAsync(new Uri("/api/v1/me", UriKind.Relative));
        var validElsewhere = await portal.ClientAt("192.0.2.51", api: true, token: PortalFactory.AdminToken).GetAsync(new Uri("/api/v1/me", UriKind.Relative));

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, (HttpStatusCode)429, (HttpStatusCode)429], statuses);
        Assert.InRange(int.Parse(last!.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        Assert.Equal("application/problem+json", last.Content.Headers.ContentType?.MediaType);
        Assert.Equal((HttpStatusCode)429, validFromGuesser.StatusCode);
        Assert.Equal(HttpStatusCode.OK, validElsewhere.StatusCode);
    }
}

/// <summary>ASPNETCORE_FORWARDEDHEADERS_ENABLED alone must not let a client pick its own address.</summary>
public sealed class ForwardedHeadersIgnoredTests
{
    /// <summary>
    /// What the web host registers when ASPNETCORE_FORWARDEDHEADERS_ENABLED=true, before the portal's own services
    /// (it reads the real environment variable, which a test portal in a shared process cannot set for itself alone).
    /// </summary>
    private static void AddHostForwardedHeaders(IServiceCollection services) =>
        services.PostConfigure<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto;
            options.KnownIPNetworks.Clear();
            options.KnownProxies.Clear();
        });

    private static Microsoft.AspNetCore.Builder.ForwardedHeadersOptions Resolve(params KeyValuePair<string, string?>[] settings)
    {
        var services = new ServiceCollection();
        AddHostForwardedHeaders(services);
        services.AddPortalForwardedHeaders(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>>().Value;
    }

    [Fact]
    public void With_no_proxy_configured_nothing_is_forwarded_even_when_the_host_switch_is_on()
    {
        var options = Resolve();

        Assert.Equal(Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.None, options.ForwardedHeaders);
    }

    [Fact]
    public void Only_the_configured_proxies_and_networks_are_trusted()
    {
        var options = Resolve(new("Portal:ForwardedHeaders:KnownProxies:0", "10.0.0.5"), new("Portal:ForwardedHeaders:KnownNetworks:0", "172.16.0.0/12"));

        Assert.Equal([IPAddress.Parse("10.0.0.5")], options.KnownProxies);
        Assert.Equal([System.Net.IPNetwork.Parse("172.16.0.0/12")], options.KnownIPNetworks);
        Assert.NotEqual(Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.None, options.ForwardedHeaders);
    }
}

/// <summary>Portal:ForwardedHeaders:KnownProxies: forwarded addresses count from those proxies only.</summary>
public sealed class ForwardedHeadersFromKnownProxyTests(ForwardedHeadersFromKnownProxyTests.Portal portal) : IClassFixture<ForwardedHeadersFromKnownProxyTests.Portal>
{
    public sealed class Portal : AddressedPortal
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings =>
            [new("Portal:ForwardedHeaders:KnownProxies:0", "10.0.0.1"), new("Portal:RateLimits:SignInPerMinute", "2")];
    }

    private async Task<List<HttpStatusCode>> ThreeSignInsAsync(string connectionAddress, string forwardedPrefix)
    {
        var client = portal.ClientAt(connectionAddress);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            client.DefaultRequestHeaders.Remove("X-Forwarded-For");
            client.DefaultRequestHeaders.Add("X-Forwarded-For", $"{forwardedPrefix}{i + 1}");
            statuses.Add((await FormPost.SignInAsync(client, "nobody", "guessing-passwords")).StatusCode);
        }

        return statuses;
    }

    [Fact]
    public async Task The_known_proxy_forwards_client_addresses_and_anyone_else_is_counted_by_their_own()
    {
        var throughProxy = await ThreeSignInsAsync("10.0.0.1", "192.0.2.");
        var direct = await ThreeSignInsAsync("203.0.113.9", "198.51.100.");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], throughProxy);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, (HttpStatusCode)429], direct);
    }
}
