using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Portal.Data;
using Portal.Data.Migrations;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Data;

/// <summary>A fresh database with every migration applied, and contexts over it.</summary>
public sealed class MigratedDatabase : IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;

    public TestDatabase Database { get; } = new();

    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("Not initialised.");

    public PortalDbContext CreateContext() => new(PortalDbContext.StandaloneOptions(DataSource));

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        _dataSource = Database.CreateDataSource();
        await new MigrationRunner(_dataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync(MigrationScript.Embedded());
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        await Database.DisposeAsync();
    }
}
