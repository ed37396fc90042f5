using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Portal.Domain;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Incidents;

namespace Portal.Tests.Web;

/// <summary>
/// The hash chain cannot show its newest entries deleted, or itself rewritten and re-hashed from some entry on;
/// the sealed anchor on the incident row can. Each test tampers in SQL as the owner of the tables (the role
/// migrations run as, which can disable the append-only trigger) and reads the admin page.
/// </summary>
public sealed class TimelineAnchorTests(DemoPortalFactory portal) : IClassFixture<DemoPortalFactory>
{
    private sealed record Row(long Id, DateTimeOffset At, string Kind, string Actor, string Summary, string Hash);

    /// <summary>A new incident, still investigating, with five entries: declared, then four written the portal's own way.</summary>
    private async Task<Guid> IncidentWithEntriesAsync()
    {
        var api = portal.CreateApiClient();
        var created = await api.PostAsJsonAsync(new Uri("/api/v1/incidents", UriKind.Relative), new
        {
            networkId = await portal.Database.ScalarAsync<Guid>("SELECT id FROM networks LIMIT 1"),
            title = "Anchor target " + Guid.NewGuid().ToString("N")[..6],
            haltHeight = 42,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = Guid.Parse(created.Headers.Location!.ToString().Split('/')[^1]);
        await using var scope = portal.Services.CreateAsyncScope();
        var writes = scope.ServiceProvider.GetRequiredService<IncidentWrites>();
        for (var n = 1; n <= 4; n++)
        {
            await writes.ChangeAsync(id, "commander", change =>
            {
                change.Incident.Changed(change.Now);
                change.Record(TimelineKinds.StatusChanged, $"Update {n}: still investigating.");
                return Task.FromResult(true);
            });
        }

        return id;
    }

    private Task<HttpResponseMessage> MoveAsync(Guid id, string status) =>
        portal.CreateApiClient().PostAsJsonAsync(new Uri($"/api/v1/incidents/{id}/status", UriKind.Relative), new { status });

    private async Task<List<Row>> RowsAsync(Guid incidentId)
    {
        await using var dataSource = portal.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand($"SELECT id, at, kind, actor, summary, hash FROM timeline_events WHERE incident_id = '{incidentId}' ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
        {
            rows.Add(new Row(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5)));
        }

        return rows;
    }

    /// <summary>As the owner: lift the guard, run <paramref name="sql"/>, put the guard back.</summary>
    private Task AsOwnerWithoutGuardAsync(string sql) => portal.Database.ExecuteAsync($"""
        ALTER TABLE timeline_events DISABLE TRIGGER timeline_events_append_only;
        {sql}
        ALTER TABLE timeline_events ENABLE TRIGGER timeline_events_append_only;
        """);

    /// <summary>Rewrites entry <paramref name="from"/> (0-based) and re-hashes it and every later entry, as a careful forger would.</summary>
    private async Task<string> RewriteAndRehashAsync(Guid incidentId, int from, string newSummary)
    {
        var rows = await RowsAsync(incidentId);
        var previous = from == 0 ? TimelineEvent.Genesis : rows[from - 1].Hash;
        var sql = new System.Text.StringBuilder();
        for (var i = from; i < rows.Count; i++)
        {
            var summary = i == from ? newSummary : rows[i].Summary;
            var forged = TimelineEvent.Append(incidentId, previous, rows[i].Kind, rows[i].Actor, summary, rows[i].At);
            sql.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"UPDATE timeline_events SET summary = '{summary.Replace("'", "''", StringComparison.Ordinal)}', previous_hash = '{previous}', hash = '{forged.Hash}' WHERE id = {rows[i].Id};\n");
            previous = forged.Hash;
        }

        await AsOwnerWithoutGuardAsync(sql.ToString());
        return previous;
    }

    private async Task<string> AdminRowAsync(Guid incidentId)
    {
        var admin = await TestUsers.CreateAsync(portal, ["admin"]);
        var client = portal.CreateHttpsClient();
        await FormPost.SignInAsync(client, admin.UserName, admin.Password);
        var page = await client.GetStringAsync(new Uri("/admin/timeline", UriKind.Relative));
        var row = page[page.IndexOf($"data-incident=\"{incidentId}\"", StringComparison.Ordinal)..];
        return WebUtility.HtmlDecode(row[..row.IndexOf("</tr>", StringComparison.Ordinal)]);
    }

    [Fact]
    public async Task An_untouched_timeline_is_intact_and_its_anchor_counts_every_entry()
    {
        var id = await IncidentWithEntriesAsync();

        var row = await AdminRowAsync(id);

        Assert.Contains("data-verdict=\"intact\"", row, StringComparison.Ordinal);
        Assert.Equal(5L, await portal.Database.ScalarAsync<long>($"SELECT timeline_count FROM incidents WHERE id = '{id}'"));
        Assert.Equal((await RowsAsync(id))[^1].Hash, await portal.Database.ScalarAsync<string>($"SELECT timeline_head FROM incidents WHERE id = '{id}'"));
    }

    [Fact]
    public async Task Deleting_the_newest_entries_is_reported_as_a_deleted_tail()
    {
        var id = await IncidentWithEntriesAsync();
        var rows = await RowsAsync(id);

        // What remains is a whole chain: only the anchor knows there were five entries.
        await AsOwnerWithoutGuardAsync($"DELETE FROM timeline_events WHERE id IN ({rows[^1].Id}, {rows[^2].Id});");
        var row = await AdminRowAsync(id);

        Assert.Contains("data-verdict=\"broken\"", row, StringComparison.Ordinal);
        Assert.Contains("deleted tail: the newest 2 entries are gone", row, StringComparison.Ordinal);
        Assert.Contains("wrong count: the anchor records 5 entries, the table holds 3", row, StringComparison.Ordinal);
        Assert.DoesNotContain("first break", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chain_rewritten_and_rehashed_from_some_entry_on_is_reported()
    {
        var id = await IncidentWithEntriesAsync();

        await RewriteAndRehashAsync(id, 2, "Update 2: resumed at once.");
        var row = await AdminRowAsync(id);

        Assert.Contains("data-verdict=\"broken\"", row, StringComparison.Ordinal);
        Assert.Contains("re-hashed chain: every entry matches its hash", row, StringComparison.Ordinal);
        Assert.DoesNotContain("first break", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_anchor_rewritten_without_the_servers_key_is_reported_as_forged()
    {
        var id = await IncidentWithEntriesAsync();
        var head = await RewriteAndRehashAsync(id, 1, "Update 1: nothing to do.");

        // The forger moves the anchor to the new head too, sealing it with the only key they have: not the portal's.
        var forged = TimelineAnchor.Create(new byte[32], id, 5, head);
        await portal.Database.ExecuteAsync($"UPDATE incidents SET timeline_head = '{head}', timeline_seal = '{forged.Seal}' WHERE id = '{id}'");
        var row = await AdminRowAsync(id);

        Assert.Contains("data-verdict=\"broken\"", row, StringComparison.Ordinal);
        Assert.Contains("forged anchor", row, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong count", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_entry_appended_outside_the_portal_is_reported_as_a_wrong_count()
    {
        var id = await IncidentWithEntriesAsync();
        var rows = await RowsAsync(id);

        // Perfectly chained onto the head, so the chain alone is whole.
        var extra = TimelineEvent.Append(id, rows[^1].Hash, TimelineKinds.StatusChanged, "admin", "Status: coordinating → closed.", rows[^1].At.AddMinutes(1));
        await portal.Database.ExecuteAsync($"""
            INSERT INTO timeline_events (incident_id, at, kind, actor, summary, previous_hash, hash)
            VALUES ('{id}', '{extra.At.UtcDateTime:O}', '{extra.Kind}', '{extra.Actor}', '{extra.Summary}', '{extra.PreviousHash}', '{extra.Hash}')
            """);
        var row = await AdminRowAsync(id);

        Assert.Contains("data-verdict=\"broken\"", row, StringComparison.Ordinal);
        Assert.Contains("wrong count: the anchor records 5 entries, the table holds 6: entries were added outside the portal", row, StringComparison.Ordinal);
        Assert.DoesNotContain("forged anchor", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_next_change_after_tampering_still_applies_and_records_what_was_found_inside_the_sealed_chain()
    {
        var id = await IncidentWithEntriesAsync();
        var rows = await RowsAsync(id);
        await AsOwnerWithoutGuardAsync($"DELETE FROM timeline_events WHERE id = {rows[^1].Id};");

        var moved = await MoveAsync(id, "fixing");
        var after = await RowsAsync(id);
        var row = await AdminRowAsync(id);

        Assert.True(moved.IsSuccessStatusCode, await moved.Content.ReadAsStringAsync());
        Assert.Equal(TimelineKinds.AnchorMismatch, after[^2].Kind);
        Assert.Contains("anchor (5 entries ending", after[^2].Summary, StringComparison.Ordinal);
        Assert.Contains("does not match the table (4 entries", after[^2].Summary, StringComparison.Ordinal);
        Assert.Equal(6L, await portal.Database.ScalarAsync<long>($"SELECT timeline_count FROM incidents WHERE id = '{id}'"));

        // Re-sealing did not launder the deletion: the record of it stays, inside the chain the anchor now covers.
        Assert.Contains("data-verdict=\"broken\"", row, StringComparison.Ordinal);
        Assert.Contains($"entry #{after[^2].Id}", row, StringComparison.Ordinal);
        Assert.Contains("the portal found the timeline changed outside it", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_timeline_from_before_anchoring_is_shown_unsealed_and_sealed_by_its_next_entry()
    {
        var id = await IncidentWithEntriesAsync();

        // What migration 0005 leaves for an existing incident: count and head, no seal.
        await portal.Database.ExecuteAsync($"UPDATE incidents SET timeline_seal = NULL WHERE id = '{id}'");
        var before = await AdminRowAsync(id);
        await MoveAsync(id, "fixing");
        var after = await RowsAsync(id);

        Assert.Contains("data-verdict=\"unsealed\"", before, StringComparison.Ordinal);
        Assert.Equal(TimelineKinds.Anchored, after[^2].Kind);
        Assert.Contains("data-verdict=\"intact\"", await AdminRowAsync(id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_portal_role_cannot_touch_the_timeline_the_way_these_tests_do()
    {
        var id = await IncidentWithEntriesAsync();
        await using var app = NpgsqlDataSource.Create(portal.Database.AppConnectionString);

        foreach (var sql in new[]
        {
            "ALTER TABLE timeline_events DISABLE TRIGGER timeline_events_append_only",
            $"UPDATE timeline_events SET summary = 'x' WHERE incident_id = '{id}'",
            $"DELETE FROM timeline_events WHERE incident_id = '{id}'",
        })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => app.CreateCommand(sql).ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }
    }
}
