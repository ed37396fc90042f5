using Npgsql;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// A fresh, empty database on the test PostgreSQL, dropped at the end. Each fixture gets its own, so test
/// classes run in parallel without seeing each other's rows.
/// </summary>
public sealed class TestDatabase : IAsyncLifetime
{
    public string Name { get; } = "portal_test_" + Guid.NewGuid().ToString("N")[..12];

    public string ConnectionString => new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Database = Name }.ConnectionString;

    public NpgsqlDataSource CreateDataSource() => NpgsqlDataSource.Create(ConnectionString);

    public async Task InitializeAsync() => await AdminAsync($"CREATE DATABASE {Name}");

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

    private static async Task AdminAsync(string sql)
    {
        var builder = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
