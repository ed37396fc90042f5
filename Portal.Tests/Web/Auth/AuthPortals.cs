using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Portal.Data.Identity;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web.Auth;

/// <summary>
/// A portal whose in-process requests come from the address in the <see cref="Header"/> request header (the
/// test server has none of its own), so tests can play a client at one address and its target at another.
/// </summary>
public class AddressedPortal : PortalFactory
{
    public const string Header = "X-Test-Connection-Address";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<IStartupFilter, ConnectionAddressFilter>();
            services.AddSingleton<CountingHasher>();
            services.AddSingleton<IPasswordHasher<PortalUser>>(provider => provider.GetRequiredService<CountingHasher>());
        });
    }

    public CountingHasher Hasher => Services.GetRequiredService<CountingHasher>();

    public HttpClient ClientAt(string address, bool api = false, string? token = null)
    {
        var client = api ? CreateApiClient(token) : CreateHttpsClient();
        client.DefaultRequestHeaders.Add(Header, address);
        return client;
    }

    private sealed class ConnectionAddressFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[Header].ToString(), out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>Identity's own hasher, counting how often a password is verified against a hash.</summary>
public sealed class CountingHasher : IPasswordHasher<PortalUser>
{
    private readonly PasswordHasher<PortalUser> _inner = new();
    private int _verifications;

    public int Verifications => Volatile.Read(ref _verifications);

    public string HashPassword(PortalUser user, string password) => _inner.HashPassword(user, password);

    public PasswordVerificationResult VerifyHashedPassword(PortalUser user, string hashedPassword, string providedPassword)
    {
        Interlocked.Increment(ref _verifications);
        return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
    }
}

/// <summary>Form posts the account pages need beyond <see cref="FormPost"/>.</summary>
public static partial class AccountForms
{
    public static async Task<string> AntiforgeryTokenAsync(HttpClient client, string page)
    {
        ArgumentNullException.ThrowIfNull(client);
        var html = await client.GetStringAsync(new Uri(page, UriKind.Relative));
        return Token().Match(html) is { Success: true } match
            ? WebUtility.HtmlDecode(match.Groups[1].Value)
            : throw new InvalidOperationException("No antiforgery token on " + page);
    }

    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string token, IDictionary<string, string> fields)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = token });
        return await client.PostAsync(new Uri(path, UriKind.Relative), content);
    }

    public static async Task<HttpResponseMessage> SignOutAsync(HttpClient client) =>
        await PostAsync(client, "/account/sign-out", await AntiforgeryTokenAsync(client, "/account/tokens"), new Dictionary<string, string>());

    /// <summary>Signs in and returns the session cookie ("portal.auth=…"), for a second client to carry as a copy.</summary>
    public static async Task<string> SignInAsync(HttpClient client, string userName, string password)
    {
        var response = await FormPost.SignInAsync(client, userName, password);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("portal.auth=", StringComparison.Ordinal)).Split(';')[0];
    }

    /// <summary>A client that carries a copy of <paramref name="cookie"/> and never stores what it is sent.</summary>
    public static HttpClient CopyOf(PortalFactory portal, string cookie)
    {
        ArgumentNullException.ThrowIfNull(portal);
        var client = portal.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions
        {
            BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false, HandleCookies = false,
        });
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        return client;
    }

    /// <summary>200 while the session is alive; a signed-out session is sent to the sign-in page.</summary>
    public static async Task<HttpStatusCode> TokensPageAsync(HttpClient client) =>
        (await client.GetAsync(new Uri("/account/tokens", UriKind.Relative))).StatusCode;

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
