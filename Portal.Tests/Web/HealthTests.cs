using System.Net;
using System.Text.Json;
using Npgsql;
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
public sealed class DatabaseOutageTests : IAsyncLifetime
{
    private readonly PortalFactory _portal = new();
    private TcpProxy? _proxy;

    public async Task InitializeAsync()
    {
        await _portal.InitializeAsync();
        var target = new NpgsqlConnectionStringBuilder(_portal.Database.ConnectionString);
        _proxy = new TcpProxy(target.Host!, target.Port);
        target.Host = "127.0.0.1";
        target.Port = _proxy.Port;
        _portal.ConnectionStringOverride = PortalFactory.WithTimeout(target.ConnectionString, 2);
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
    }

    [Fact]
    public async Task Readiness_fails_with_503_while_postgresql_is_down_and_recovers_when_it_returns()
    {
        var client = _portal.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode);

        _proxy!.Cut();
        NpgsqlConnection.ClearAllPools();
        var down = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
        var aliveMeanwhile = await client.GetAsync(new Uri("/healthz", UriKind.Relative));

        _proxy.Restore();
        var up = await client.GetAsync(new Uri("/readyz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Contains("Unhealthy", await down.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, aliveMeanwhile.StatusCode);
        Assert.Equal(HttpStatusCode.OK, up.StatusCode);
    }

    [Fact]
    public async Task A_page_that_fails_shows_a_friendly_error_without_a_stack_trace()
    {
        var client = _portal.CreateClient();
        _proxy!.Cut();
        NpgsqlConnection.ClearAllPools();

        var response = await client.GetAsync(new Uri("/", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();
        _proxy.Restore();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("Something went wrong on our side", html, StringComparison.Ordinal);
        Assert.Contains("id=\"request-id\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Npgsql", html, StringComparison.Ordinal);
        Assert.DoesNotContain(" at Portal.", html, StringComparison.Ordinal);
    }
}
