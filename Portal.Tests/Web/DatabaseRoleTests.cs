using System.Net.Http.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Portal.Data.Migrations;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web;

/// <summary>
/// The portal runs as a role that owns nothing and may only read and write rows; migrations run as the owner
/// (decision 0007). Every test portal runs this way, so the whole suite is the proof that the portal works as
/// that role; these tests show what the role cannot do.
/// </summary>
public sealed class DatabaseRoleTests(DemoPortalFactory portal) : IClassFixture<DemoPortalFactory>
{
    private NpgsqlDataSource AppRole() => NpgsqlDataSource.Create(portal.Database.AppConnectionString);

    private async Task<PostgresException> RefusedAsync(string sql)
    {
        await using var app = AppRole();
        return await Assert.ThrowsAsync<PostgresException>(() => app.CreateCommand(sql).ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task The_portal_itself_connects_as_the_app_role_which_is_no_superuser_and_owns_no_table()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var dataSource = scope.ServiceProvider.GetRequiredService<NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand("""
            SELECT current_user || '|' || r.rolsuper || '|' || r.rolcreaterole || '|' || r.rolcreatedb || '|' || r.rolbypassrls
                || '|' || (SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user)
            FROM pg_roles r WHERE r.rolname = current_user
            """);

        Assert.Equal($"{TestDatabase.AppRole}|false|false|false|false|0", (string?)await command.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("ALTER TABLE timeline_events DISABLE TRIGGER timeline_events_append_only")]
    [InlineData("ALTER TABLE timeline_events DISABLE TRIGGER ALL")]
    [InlineData("DROP TRIGGER timeline_events_append_only ON timeline_events")]
    [InlineData("UPDATE timeline_events SET summary = 'nothing happened'")]
    [InlineData("DELETE FROM timeline_events")]
    [InlineData("TRUNCATE timeline_events")]
    [InlineData("ALTER TABLE incidents ADD COLUMN x int")]
    [InlineData("DROP TABLE incidents")]
    [InlineData("CREATE TABLE stash (x int)")]
    [InlineData("ALTER ROLE CURRENT_USER SUPERUSER")]
    [InlineData("ALTER ROLE CURRENT_USER BYPASSRLS")]
    [InlineData("ALTER ROLE " + TestDatabase.OwnerRole + " PASSWORD 'taken'")]
    [InlineData("CREATE ROLE intruder LOGIN")]
    [InlineData("DELETE FROM schema_migrations")]
    [InlineData("SET session_replication_role = replica")]
    public async Task The_app_role_is_refused_with_a_permission_error(string sql)
    {
        var refused = await RefusedAsync(sql);

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task The_app_role_may_read_and_insert_timeline_entries_and_write_every_other_table()
    {
        await using var app = AppRole();
        await using var command = app.CreateCommand("""
            SELECT string_agg(tablename || ':' || has_table_privilege(tablename, 'SELECT')::text || has_table_privilege(tablename, 'INSERT')::text
                || has_table_privilege(tablename, 'UPDATE')::text || has_table_privilege(tablename, 'DELETE')::text, ',' ORDER BY tablename)
            FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'
            """);
        var rights = ((string)(await command.ExecuteScalarAsync())!).Split(',');

        Assert.Contains("timeline_events:truetruefalsefalse", rights);
        Assert.Contains("data_protection_keys:truetruetruetrue", rights);
        Assert.Contains("users:truetruetruetrue", rights);
        Assert.All(rights.Where(r => !r.StartsWith("timeline_events:", StringComparison.Ordinal)), r => Assert.EndsWith(":truetruetruetrue", r, StringComparison.Ordinal));
        Assert.True(rights.Length >= 15, string.Join(", ", rights));
    }

    [Fact]
    public async Task The_portal_works_end_to_end_as_the_app_role_signing_in_declaring_and_writing_keys()
    {
        var admin = await TestUsers.CreateAsync(portal, ["admin", "commander"]);
        var client = portal.CreateHttpsClient();
        await FormPost.SignInAsync(client, admin.UserName, admin.Password);
        var declared = await portal.CreateApiClient().PostAsJsonAsync(new Uri("/api/v1/incidents", UriKind.Relative), new
        {
            networkId = await portal.Database.ScalarAsync<Guid>("SELECT id FROM networks LIMIT 1"),
            title = "Declared as the app role",
            haltHeight = 7,
        });
        var page = await client.GetAsync(new Uri("/admin/timeline", UriKind.Relative));

        Assert.Equal(System.Net.HttpStatusCode.Created, declared.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        Assert.True(await portal.Database.ScalarAsync<long>("SELECT count(*) FROM data_protection_keys") >= 1);
        Assert.True(await portal.Database.ScalarAsync<long>("SELECT count(*) FROM security_events") >= 1);
    }

    [Fact]
    public async Task A_table_a_later_migration_creates_is_usable_by_the_app_role_through_default_privileges()
    {
        await portal.Database.ExecuteAsync("CREATE TABLE later_feature (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, note text, legacy serial)");
        await using var app = AppRole();

        await app.CreateCommand("INSERT INTO later_feature (note) VALUES ('written by the portal')").ExecuteNonQueryAsync();
        await app.CreateCommand("UPDATE later_feature SET note = 'edited'").ExecuteNonQueryAsync();

        Assert.Equal("edited", await portal.Database.ScalarAsync<string>("SELECT note FROM later_feature"));
    }

    [Fact]
    public async Task Migrating_again_keeps_the_timeline_closed_to_updates_even_after_a_grant_too_many()
    {
        await portal.Database.ExecuteAsync($"GRANT UPDATE, DELETE ON timeline_events TO {TestDatabase.AppRole}");
        await using var owner = portal.Database.CreateDataSource();

        await new MigrationRunner(owner, NullLogger<MigrationRunner>.Instance) { AppRole = TestDatabase.AppRole }.MigrateAsync(MigrationScript.Embedded());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await RefusedAsync("DELETE FROM timeline_events")).SqlState);
    }
}
