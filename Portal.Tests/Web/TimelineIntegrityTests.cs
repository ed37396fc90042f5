using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web;

/// <summary>The timeline is append-only and hash-chained; tampering is refused, and if forced, detected.</summary>
public sealed class TimelineIntegrityTests(DemoPortalFactory portal) : IClassFixture<DemoPortalFactory>
{
    private async Task<HttpClient> AdminPagesAsync()
    {
        var admin = await TestUsers.CreateAsync(portal, ["admin"]);
        var client = portal.CreateHttpsClient();
        await FormPost.SignInAsync(client, admin.UserName, admin.Password);
        return client;
    }

    [Fact]
    public async Task The_database_refuses_to_update_or_delete_a_timeline_entry()
    {
        var update = await Assert.ThrowsAsync<PostgresException>(() => portal.Database.ExecuteAsync("UPDATE timeline_events SET summary = 'nothing happened'"));
        var delete = await Assert.ThrowsAsync<PostgresException>(() => portal.Database.ExecuteAsync("DELETE FROM timeline_events"));

        Assert.Contains("append-only", update.MessageText, StringComparison.Ordinal);
        Assert.Contains("append-only", delete.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_entry_of_the_demo_chains_to_the_one_before()
    {
        var incident = await DemoIncident.LoadAsync(portal);
        var broken = await portal.Database.ScalarAsync<long>($"""
            SELECT count(*) FROM (
              SELECT previous_hash, lag(hash, 1, repeat('0', 64)) OVER (ORDER BY id) AS expected
              FROM timeline_events WHERE incident_id = '{incident.Id}') chain
            WHERE previous_hash <> expected
            """);

        Assert.Equal(0L, broken);
        Assert.True(await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM timeline_events WHERE incident_id = '{incident.Id}'") >= 10);
    }

    [Fact]
    public async Task An_entry_altered_behind_the_portals_back_is_shown_as_the_first_break_on_the_admin_page()
    {
        var client = await AdminPagesAsync();
        var incidentId = (await portal.CreateApiClient().PostAsJsonAsync(new Uri("/api/v1/incidents", UriKind.Relative), new
        {
            networkId = await portal.Database.ScalarAsync<Guid>("SELECT id FROM networks LIMIT 1"),
            title = "Tamper target",
            haltHeight = 42,
        })).Headers.Location!.ToString().Split('/')[^1];
        await portal.CreateApiClient().PostAsJsonAsync(new Uri($"/api/v1/incidents/{incidentId}/status", UriKind.Relative), new { status = "fixing" });
        await portal.CreateApiClient().PostAsJsonAsync(new Uri($"/api/v1/incidents/{incidentId}/status", UriKind.Relative), new { status = "coordinating" });
        var intact = await client.GetStringAsync(new Uri("/admin/timeline", UriKind.Relative));
        var second = await portal.Database.ScalarAsync<long>($"SELECT id FROM timeline_events WHERE incident_id = '{incidentId}' ORDER BY id OFFSET 1 LIMIT 1");

        // A superuser who disables the guard and rewrites history.
        await portal.Database.ExecuteAsync($"""
            ALTER TABLE timeline_events DISABLE TRIGGER timeline_events_append_only;
            UPDATE timeline_events SET summary = 'Status: investigating → closed.' WHERE id = {second};
            ALTER TABLE timeline_events ENABLE TRIGGER timeline_events_append_only;
            """);
        var page = await client.GetStringAsync(new Uri("/admin/timeline", UriKind.Relative));
        var row = page[page.IndexOf($"data-incident=\"{incidentId}\"", StringComparison.Ordinal)..];
        row = row[..row.IndexOf("</tr>", StringComparison.Ordinal)];

        Assert.DoesNotContain("broken", intact[intact.IndexOf($"data-incident=\"{incidentId}\"", StringComparison.Ordinal)..].Split("</tr>")[0], StringComparison.Ordinal);
        Assert.Contains("broken", row, StringComparison.Ordinal);
        Assert.Contains($"first break at entry #{second}", row, StringComparison.Ordinal);
        Assert.Contains("the row was altered", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_timeline_page_is_for_admins_only()
    {
        var observer = await TestUsers.CreateAsync(portal, ["observer"]);
        var client = portal.CreateHttpsClient();
        await FormPost.SignInAsync(client, observer.UserName, observer.Password);

        var response = await client.GetAsync(new Uri("/admin/timeline", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/account/denied", response.Headers.Location!.ToString(), StringComparison.Ordinal);
    }
}
