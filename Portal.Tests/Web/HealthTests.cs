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
    public async Task A_page_answers_503_with_retry_after_and_a_friendly_page_without_a_stack_trace()
    {
        var client = portal.CreateClient();
        portal.Proxy.Cut();

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/", UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/html");
        var response = await client.SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();
        portal.Proxy.Restore();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("id=\"outage\"", html, StringComparison.Ordinal);
        Assert.Contains("Nothing you submitted was half-applied", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Npgsql", html, StringComparison.Ordinal);
        Assert.DoesNotContain(" at Portal.", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_answers_503_problem_json_with_retry_after_for_reads_and_writes()
    {
        var admin = portal.CreateApiClient();
        portal.Proxy.Cut();

        var write = await admin.PostAsync(Api.Api.Path("/api/v1/networks"), Api.Api.Json(new { name = "Outage", chainId = "outage-1" }));
        var read = await admin.GetAsync(Api.Api.Path($"/api/v1/incidents/{Guid.NewGuid()}"));
        var anonymous = await portal.CreateClient().GetAsync(Api.Api.Path("/api/v1/me"));
        portal.Proxy.Restore();

        foreach (var response in new[] { write, read })
        {
            var problem = await Api.Api.ProblemAsync(response, HttpStatusCode.ServiceUnavailable);
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After");
            Assert.DoesNotContain("Npgsql", problem.GetRawText(), StringComparison.Ordinal);
        }

        Assert.NotEqual(HttpStatusCode.InternalServerError, anonymous.StatusCode);
        Assert.Equal(0L, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM networks WHERE chain_id = 'outage-1'"));
    }

    /// <summary>
    /// A report's transaction has written its rows and waits on its timeline insert (the test holds a lock that
    /// only blocks writes to that table) when the connection is cut: PostgreSQL rolls the whole change back.
    /// </summary>
    [Fact]
    public async Task A_write_cut_midway_leaves_no_partial_change()
    {
        var scenario = await Api.ApiScenario.CreateAsync(portal, count: 4);
        var (revision, entries, row) = (await scenario.RevisionAsync(), await scenario.TimelineCountAsync(), await scenario.StoredRowAsync(0));

        await using var blocker = new Npgsql.NpgsqlConnection(portal.Database.SuperuserConnectionString);
        await blocker.OpenAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await using (var command = new Npgsql.NpgsqlCommand("LOCK TABLE timeline_events IN SHARE MODE", blocker, hold))
        {
            await command.ExecuteNonQueryAsync();
        }

        var report = scenario.ReportAsync(scenario.Admin, 0, "acknowledged");
        var wroteFirst = await WaitForBlockedWriterAsync(portal.Database.SuperuserConnectionString);
        portal.Proxy.Cut();
        var answer = await report;
        await hold.RollbackAsync();
        portal.Proxy.Restore();

        Assert.True(wroteFirst, $"the report never got as far as waiting on its timeline insert after writing; it answered {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
        await Api.Api.ProblemAsync(answer, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(revision, await scenario.RevisionAsync());
        Assert.Equal(entries, await scenario.TimelineCountAsync());
        Assert.Equal(row, await scenario.StoredRowAsync(0));

        // Once the database is back, the same report goes through whole.
        HttpResponseMessage retry;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        do
        {
            retry = await scenario.ReportAsync(scenario.Admin, 0, "acknowledged");
        }
        while (retry.StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline);

        await Api.Api.OkAsync(retry);
        Assert.Equal("Acknowledged", await scenario.StoredStateAsync(0));
        Assert.Equal(entries + 1, await scenario.TimelineCountAsync());
    }

    /// <summary>
    /// True once another session waits on a lock while it already holds row-write locks from the same change (the
    /// validator's row or the incident's revision and anchor; the order of the statements in a batch is EF's).
    /// Asked on a connection of its own outside any transaction: PostgreSQL reads pg_stat_activity once per
    /// transaction, so polling inside the lock holder's transaction would only ever see its first look.
    /// </summary>
    private static async Task<bool> WaitForBlockedWriterAsync(string connectionString)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            await using var command = new Npgsql.NpgsqlCommand("""
                SELECT count(*) FROM pg_stat_activity a
                WHERE a.wait_event_type = 'Lock' AND a.pid <> pg_backend_pid()
                  AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.mode = 'RowExclusiveLock' AND l.relation IN ('incident_validators'::regclass, 'incidents'::regclass))
                """, connection);
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                return true;
            }

            await Task.Delay(20);
        }

        return false;
    }
}
