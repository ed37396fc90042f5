using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Portal.Data.Migrations;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Data;

public sealed class MigrationTests
{
    private static readonly IReadOnlyList<MigrationScript> Scripts =
        MigrationScript.FromDirectory(Path.Combine(TestEnvironment.RepositoryRoot, "migrations"));

    private static MigrationRunner Runner(NpgsqlDataSource dataSource) => new(dataSource, NullLogger<MigrationRunner>.Instance);

    [Fact]
    public void The_embedded_migrations_are_the_files_in_the_migrations_folder()
    {
        var embedded = MigrationScript.Embedded();

        Assert.NotEmpty(embedded);
        Assert.Equal(Scripts.Select(s => (s.Name, s.Sha256)), embedded.Select(s => (s.Name, s.Sha256)));
        Assert.All(embedded, s => Assert.Matches(@"^\d{4}_[a-z0-9_]+\.sql$", s.Name));
    }

    [Fact]
    public async Task All_migrations_apply_to_an_empty_database_and_a_second_run_applies_nothing()
    {
        await using var database = new TestDatabase();
        await database.InitializeAsync();
        try
        {
            await using var dataSource = database.CreateDataSource();

            var first = await Runner(dataSource).MigrateAsync(Scripts);
            var second = await Runner(dataSource).MigrateAsync(Scripts);

            Assert.Equal(Scripts.Select(s => s.Name), first);
            Assert.Empty(second);
            Assert.Equal(Scripts.Count, (int)await database.ScalarAsync<long>("SELECT count(*) FROM schema_migrations"));
            Assert.Equal(Scripts[^1].Sha256, await database.ScalarAsync<string>($"SELECT sha256 FROM schema_migrations WHERE name = '{Scripts[^1].Name}'"));
            Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_name = 'incident_validators'"));
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Runners_racing_on_one_database_apply_each_file_exactly_once()
    {
        await using var database = new TestDatabase();
        await database.InitializeAsync();
        try
        {
            // Separate data sources: separate connections, like separate instances starting together.
            var dataSources = Enumerable.Range(0, 4).Select(_ => database.CreateDataSource()).ToList();
            var results = await Task.WhenAll(dataSources.Select(ds => Task.Run(() => Runner(ds).MigrateAsync(Scripts))));

            Assert.Equal(Scripts.Select(s => s.Name), results.SelectMany(r => r).Order(StringComparer.Ordinal));
            Assert.Equal(Scripts.Count, (int)await database.ScalarAsync<long>("SELECT count(*) FROM schema_migrations"));
            foreach (var dataSource in dataSources)
            {
                await dataSource.DisposeAsync();
            }
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_changed_file_that_was_already_applied_is_refused_and_nothing_runs()
    {
        await using var database = new TestDatabase();
        await database.InitializeAsync();
        try
        {
            await using var dataSource = database.CreateDataSource();
            await Runner(dataSource).MigrateAsync(Scripts);

            var tampered = Scripts
                .Select((s, i) => i == 0 ? s with { Sql = s.Sql + "\nCREATE TABLE sneaky (id int);" } : s)
                .Append(new MigrationScript("9999_later.sql", "CREATE TABLE later (id int);"))
                .ToList();

            var refused = await Assert.ThrowsAsync<MigrationTamperedException>(() => Runner(dataSource).MigrateAsync(tampered));

            Assert.Contains(Scripts[0].Name, refused.Message, StringComparison.Ordinal);
            Assert.Contains("never be edited", refused.Message, StringComparison.Ordinal);
            Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_name IN ('sneaky', 'later')"));
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_failing_file_is_rolled_back_whole_and_leaves_no_journal_row()
    {
        await using var database = new TestDatabase();
        await database.InitializeAsync();
        try
        {
            await using var dataSource = database.CreateDataSource();
            var broken = Scripts.Append(new MigrationScript("9999_broken.sql", "CREATE TABLE half (id int); SELECT no_such_function();")).ToList();

            await Assert.ThrowsAsync<PostgresException>(() => Runner(dataSource).MigrateAsync(broken));

            Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_name = 'half'"));
            Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM schema_migrations WHERE name = '9999_broken.sql'"));
            Assert.Equal(Scripts.Count, (int)await database.ScalarAsync<long>("SELECT count(*) FROM schema_migrations"));
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_anchor_migration_counts_existing_timelines_and_finds_their_heads_but_leaves_them_unsealed()
    {
        await using var database = new TestDatabase();
        await database.InitializeAsync();
        try
        {
            await using var dataSource = database.CreateDataSource();
            var anchor = Scripts.Select((s, i) => (s, i)).First(x => x.s.Name.EndsWith("_timeline_anchor.sql", StringComparison.Ordinal)).i;
            await Runner(dataSource).MigrateAsync([.. Scripts.Take(anchor)]);
            await database.ExecuteAsync("""
                INSERT INTO networks VALUES ('00000000-0000-0000-0000-000000000001', 'n', 'c', 2, 3, true, 'Stake', now());
                INSERT INTO incidents (id, network_id, title, halt_height, status, revision, declared_at, updated_at)
                VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001', 'old', 1, 'Fixing', 3, now(), now()),
                       ('00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-000000000001', 'empty', 1, 'Fixing', 1, now(), now());
                INSERT INTO timeline_events (incident_id, at, kind, actor, summary, previous_hash, hash)
                VALUES ('00000000-0000-0000-0000-0000000000a1', now(), 'k', 'a', 's', repeat('0', 64), repeat('1', 64)),
                       ('00000000-0000-0000-0000-0000000000a1', now(), 'k', 'a', 's', repeat('1', 64), repeat('2', 64));
                """);

            await Runner(dataSource).MigrateAsync(Scripts);

            Assert.Equal("2|" + new string('2', 64) + "|true", await database.ScalarAsync<string>(
                "SELECT timeline_count || '|' || timeline_head || '|' || (timeline_seal IS NULL) FROM incidents WHERE title = 'old'"));
            Assert.Equal("0|" + new string('0', 64) + "|true", await database.ScalarAsync<string>(
                "SELECT timeline_count || '|' || timeline_head || '|' || (timeline_seal IS NULL) FROM incidents WHERE title = 'empty'"));
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_missing_app_role_is_created_with_login_only_when_the_owner_may_create_roles_and_refused_clearly_otherwise()
    {
        var role = "portal_test_new_" + Guid.NewGuid().ToString("N")[..8];
        await using var database = new TestDatabase();
        await database.InitializeAsync();
        await using var admin = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Database = database.Name }.ConnectionString);
        try
        {
            // The test owner may not create roles: a clear refusal, nothing half-done.
            await using (var owner = database.CreateDataSource())
            {
                var refused = await Assert.ThrowsAsync<DatabaseRoleException>(() =>
                    new MigrationRunner(owner, NullLogger<MigrationRunner>.Instance) { AppRole = role, AppRolePassword = "pw-1" }.MigrateAsync(Scripts));
                Assert.Contains($"'{role}' does not exist", refused.Message, StringComparison.Ordinal);
            }

            // A superuser owner (the ./portal run and compose set-up) creates it.
            await new MigrationRunner(admin, NullLogger<MigrationRunner>.Instance) { AppRole = role, AppRolePassword = "it's a secret" }.MigrateAsync(Scripts);

            await using var command = admin.CreateCommand($"SELECT rolcanlogin || '|' || rolsuper || '|' || rolcreaterole || '|' || rolcreatedb || '|' || has_table_privilege('{role}', 'timeline_events', 'DELETE') FROM pg_roles WHERE rolname = '{role}'");
            Assert.Equal("true|false|false|false|false", (string?)await command.ExecuteScalarAsync());
            await using var asApp = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Database = database.Name, Username = role, Password = "it's a secret" }.ConnectionString);
            await using var who = asApp.CreateCommand("SELECT current_user");
            Assert.Equal(role, (string?)await who.ExecuteScalarAsync());
        }
        finally
        {
            await database.DisposeAsync();
            await using var postgres = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Database = "postgres", Pooling = false }.ConnectionString);
            await postgres.CreateCommand($"DROP ROLE IF EXISTS {role}").ExecuteNonQueryAsync();
        }
    }
}
