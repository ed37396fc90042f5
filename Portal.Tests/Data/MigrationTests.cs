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
}
