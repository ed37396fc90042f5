using Npgsql;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// A fresh, empty database on the test PostgreSQL, dropped at the end. Each fixture gets its own, so test
/// classes run in parallel without seeing each other's rows.
/// <para>
/// Roles as in production (decision 0007): the database belongs to <see cref="OwnerRole"/>, a plain role that
/// migrations run as and that owns every table (so it can also tamper, as tests of tampering need), and test
/// portals run as <see cref="AppRole"/>, which owns nothing. <c>PORTAL_TEST_POSTGRES</c>, a superuser, only
/// creates these roles and the databases.
/// </para>
/// </summary>
public sealed class TestDatabase : IAsyncLifetime
{
    public const string OwnerRole = "portal_test_owner";
    public const string AppRole = "portal_test_app";

    /// <summary>One password for both roles per test run; they exist only on the throwaway cluster.</summary>
    private static readonly string RolePassword = "test-" + Guid.NewGuid().ToString("N");
    private static readonly SemaphoreSlim RolesLock = new(1, 1);
    private static bool _rolesReady;

    public string Name { get; } = "portal_test_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The owner role's connection: what migrations use, and what tests use to look at (or tamper with) rows.</summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Database = Name, Username = OwnerRole, Password = RolePassword }.ConnectionString;

    /// <summary>The portal's own role's connection: rows only, no schema, no UPDATE or DELETE on the timeline.</summary>
    public string AppConnectionString => new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Database = Name, Username = AppRole, Password = RolePassword }.ConnectionString;

    /// <summary>The cluster's superuser on this database: for tests that watch other sessions (pg_stat_activity shows a
    /// non-superuser nothing of other roles' sessions).</summary>
    public string SuperuserConnectionString => new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Database = Name }.ConnectionString;

    public NpgsqlDataSource CreateDataSource() => NpgsqlDataSource.Create(ConnectionString);

    public async Task InitializeAsync()
    {
        await EnsureRolesAsync();
        await AdminAsync($"CREATE DATABASE {Name} OWNER {OwnerRole}");
    }

    /// <summary>FORCE ends any connection still open on it, so a pooled connection never keeps it alive.</summary>
    public Task DisposeAsync() => AdminAsync($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");

    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var dataSource = CreateDataSource();
        await using var command = dataSource.CreateCommand(sql);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull or null ? default : (T)value;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var dataSource = CreateDataSource();
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task EnsureRolesAsync()
    {
        await RolesLock.WaitAsync();
        try
        {
            if (_rolesReady)
            {
                return;
            }

            foreach (var role in new[] { OwnerRole, AppRole })
            {
                await AdminAsync($"""
                    DO $$ BEGIN
                        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE {role}; END IF;
                    END $$;
                    ALTER ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{RolePassword}';
                    """);
            }

            _rolesReady = true;
        }
        finally
        {
            RolesLock.Release();
        }
    }

    private static async Task AdminAsync(string sql)
    {
        var builder = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
