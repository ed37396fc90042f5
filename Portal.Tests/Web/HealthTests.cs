using System.Net;
using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web;

public sealed class HealthTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Liveness_answers_200_without_touching_the_database()
    {
        var response = await portal.CreateClient().GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Empty(body.RootElement.GetProperty("checks").EnumerateObject());
    }

    [Fact]
    public async Task Readiness_answers_200_and_names_the_database_check()
    {
        var response = await portal.CreateClient().GetAsync(new Uri("/readyz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
    }
}

/// <summary>The database goes away (through a proxy the test cuts) and comes back.</summary>
public sealed class DatabaseOutageTests(ProxiedPortalFactory portal) : IClassFixture<ProxiedPortalFactory>
{
    [Fact]
    public async Task Readiness_fails_with_503_while_postgresql_is_down_and_recovers_when_it_returns()
    {
        var client = portal.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode);

        portal.Proxy.Cut();
        var down = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
        var aliveMeanwhile = await client.GetAsync(new Uri("/healthz", UriKind.Relative));

        portal.Proxy.Restore();
        var up = await client.GetAsync(new Uri("/readyz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Contains("Unhealthy", await down.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, aliveMeanwhile.StatusCode);
        Assert.Equal(HttpStatusCode.OK, up.StatusCode);
    }

    [Fact]
    public async Task A_page_that_fails_shows_a_friendly_error_without_a_stack_trace()
    {
        var client = portal.CreateClient();
        portal.Proxy.Cut();

        var response = await client.GetAsync(new Uri("/", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();
        portal.Proxy.Restore();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("Something went wrong on our side", html, StringComparison.Ordinal);
        Assert.Contains("id=\"request-id\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Npgsql", html, StringComparison.Ordinal);
        Assert.DoesNotContain(" at Portal.", html, StringComparison.Ordinal);
    }
}
