using System.Net;
using System.Text.RegularExpressions;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using Rest = Portal.Tests.Web.Api.Api;

namespace Portal.Tests.Web;

/// <summary>
/// Responses are compressed (Brotli or gzip), except pages served to a signed-in session (BREACH); static assets
/// are fingerprinted, precompressed and cached for a year as immutable.
/// </summary>
public sealed partial class CompressionAndCachingTests(CachingPortalFactory portal) : IClassFixture<CachingPortalFactory>
{
    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string encodings)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Rest.Path(path));
        request.Headers.TryAddWithoutValidation("Accept-Encoding", encodings);
        return await client.SendAsync(request);
    }

    [Theory]
    [InlineData("br", "br")]
    [InlineData("gzip", "gzip")]
    [InlineData("br, gzip", "br")]
    public async Task Anonymous_pages_are_compressed(string accept, string expected)
    {
        var response = await GetAsync(portal.CreateHttpsClient(), "/", accept);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([expected], response.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
    }

    [Fact]
    public async Task Api_json_for_a_token_is_compressed()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);

        var response = await GetAsync(scenario.Admin, $"{scenario.Base}/quorum", "gzip, br");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["br"], response.Content.Headers.ContentEncoding);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Pages_for_a_signed_in_session_are_not_compressed()
    {
        var user = await TestUsers.CreateAsync(portal, ["commander"]);
        var client = portal.CreateHttpsClient();
        await FormPost.SignInAsync(client, user.UserName, user.Password);

        var response = await GetAsync(client, "/?q=reflected", "br, gzip");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(user.UserName, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(response.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task Stylesheets_and_scripts_are_fingerprinted_precompressed_and_immutable()
    {
        var client = portal.CreateHttpsClient();
        var home = await client.GetStringAsync(Rest.Path("/"));
        var assets = Fingerprinted().Matches(home).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains(assets, a => a.StartsWith("css/site.", StringComparison.Ordinal));
        Assert.Contains(assets, a => a.StartsWith("lib/bootstrap/css/bootstrap.min.", StringComparison.Ordinal));
        Assert.Contains(assets, a => a.StartsWith("js/passkeys.", StringComparison.Ordinal));

        foreach (var asset in assets)
        {
            var response = await GetAsync(client, "/" + asset, "br, gzip");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset}: {(int)response.StatusCode}");
            Assert.True(response.Content.Headers.ContentEncoding.SingleOrDefault() is "br" or "gzip", $"{asset}: Content-Encoding {string.Join(",", response.Content.Headers.ContentEncoding)}; {(int)response.StatusCode} {response.Headers} {response.Content.Headers} {(await response.Content.ReadAsByteArrayAsync()).Length} {string.Join(",", response.Headers.Select(h => h.Key))}");
            Assert.True(response.Headers.CacheControl is { MaxAge.TotalDays: >= 365 } cache && cache.Extensions.Any(e => e.Name == "immutable"),
                $"{asset}: Cache-Control {response.Headers.CacheControl}");
        }

        // The policy still forbids inline scripts and styles.
        var page = await client.GetAsync(Rest.Path("/"));
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
    }

    [GeneratedRegex("(?:href|src)=\"((?:css|js|lib)/[^\"]+\\.[0-9a-z]{10}\\.(?:css|js))\"")]
    private static partial Regex Fingerprinted();
}

/// <summary>
/// Tests serve assets from the build output, which MapStaticAssets treats like development and sends with
/// no-cache; a published portal serves them from wwwroot with the manifest's headers. This switch gives the
/// build output those same headers, so the test sees what production sends.
/// </summary>
public sealed class CachingPortalFactory : PortalFactory
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("EnableStaticAssetsDevelopmentCaching", "true")];
}
