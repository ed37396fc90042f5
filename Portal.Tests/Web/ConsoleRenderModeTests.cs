using System.Net;
using Portal.Data.Identity;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web;

/// <summary>
/// The two render modes as the server sends them: console pages load the circuit's script and allow inline
/// styles (MudBlazor sets them), never inline scripts; static pages load neither; and the circuit endpoint,
/// like the hub, refuses connections from foreign origins.
/// </summary>
public sealed class ConsoleRenderModeTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string CircuitScript = "_framework/blazor.web";

    [Theory]
    [InlineData("/")]
    [InlineData("/account/sign-in")]
    public async Task Static_pages_have_no_circuit_and_no_inline_styles(string path)
    {
        var response = await portal.CreateHttpsClient().GetAsync(new Uri(path, UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("style-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain(CircuitScript, html, StringComparison.Ordinal);
        Assert.DoesNotContain("MudBlazor", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_console_page_starts_a_circuit_and_allows_inline_styles_but_never_inline_scripts()
    {
        var admin = await TestUsers.CreateAsync(portal, [Roles.Admin]);
        var client = portal.CreateHttpsClient();
        await FormPost.SignInAsync(client, admin.UserName, admin.Password);

        var response = await client.GetAsync(new Uri("/admin/audit", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("style-src 'self' 'unsafe-inline';", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains(CircuitScript, html, StringComparison.Ordinal);
        Assert.Contains("_content/MudBlazor/MudBlazor.min.", html, StringComparison.Ordinal);
        // Prerendered: the events are in the first response, before any circuit.
        Assert.Contains("id=\"security-events\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_circuit_endpoint_refuses_a_negotiation_and_a_websocket_from_a_foreign_origin()
    {
        using var foreignNegotiation = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
        foreignNegotiation.Headers.Add("Origin", "https://evil.example");
        using var ownNegotiation = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
        ownNegotiation.Headers.Add("Origin", "http://localhost");

        var refused = await portal.CreateClient().SendAsync(foreignNegotiation);
        var accepted = await portal.CreateClient().SendAsync(ownNegotiation);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);

        var foreign = portal.Server.CreateWebSocketClient();
        foreign.ConfigureRequest = request => request.Headers.Origin = "https://evil.example";
        var handshake = await Assert.ThrowsAnyAsync<Exception>(() => foreign.ConnectAsync(new Uri("ws://localhost/_blazor"), CancellationToken.None));
        Assert.Contains("403", handshake.Message, StringComparison.Ordinal);
    }
}
