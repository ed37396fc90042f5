using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Portal.Data.Blobs;
using Portal.Data.Migrations;

namespace Portal.Data;

public static class ServiceCollectionExtensions
{
    public const string ConnectionStringName = "Portal";

    /// <summary>The owner of the tables, for migrations; without it the portal migrates and runs as one role.</summary>
    public const string OwnerConnectionStringName = "PortalOwner";

    /// <summary>The data source, the context, the migration runner and the database readiness check.</summary>
    public static IServiceCollection AddPortalData(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(ConnectionStringName)
            ?? throw new InvalidOperationException(
                $"The connection string 'ConnectionStrings:{ConnectionStringName}' (env ConnectionStrings__{ConnectionStringName}) is not set.");

        var dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
        services.AddSingleton(dataSource);
        services.Configure<IdentityOptions>(ConfigureIdentityStore);
        services.AddDbContext<PortalDbContext>(options => options.UseNpgsql(dataSource));
        services.AddSingleton(provider => CreateMigrationRunner(configuration, dataSource, provider.GetRequiredService<ILogger<MigrationRunner>>()));
        services.AddHealthChecks()
            .AddDbContextCheck<PortalDbContext>("database", tags: ["ready"])
            .AddCheck<BlobStoreHealthCheck>("blobs", tags: ["ready"]);
        services.AddPortalBlobs(configuration);
        return services;
    }

    /// <summary>
    /// Migrations run as the owner of the tables when <c>ConnectionStrings:PortalOwner</c> is set, and then grant
    /// the role of <c>ConnectionStrings:Portal</c> its rights; otherwise over the portal's own connection.
    /// </summary>
    private static MigrationRunner CreateMigrationRunner(IConfiguration configuration, NpgsqlDataSource appDataSource, ILogger<MigrationRunner> logger)
    {
        var ownerConnectionString = configuration.GetConnectionString(OwnerConnectionStringName);
        if (string.IsNullOrWhiteSpace(ownerConnectionString))
        {
            return new MigrationRunner(appDataSource, logger);
        }

        var app = new NpgsqlConnectionStringBuilder(appDataSource.ConnectionString);
        var owner = new NpgsqlConnectionStringBuilder(ownerConnectionString) { Pooling = false };
        if (string.IsNullOrEmpty(app.Username))
        {
            throw new InvalidOperationException($"ConnectionStrings:{ConnectionStringName} names no Username; with ConnectionStrings:{OwnerConnectionStringName} set it must name the portal's own role.");
        }

        if (string.Equals(app.Username, owner.Username, StringComparison.Ordinal))
        {
            return new MigrationRunner(appDataSource, logger);
        }

        // The owner's connection is used once per start, so it is not pooled and is closed after migrating.
        return new MigrationRunner(NpgsqlDataSource.Create(owner.ConnectionString), logger)
        {
            AppRole = app.Username,
            AppRolePassword = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString(ConnectionStringName)).Password,
        };
    }

    /// <summary>The blob store chosen by <c>Portal:Blobs:Provider</c>: "local" (default) or "s3".</summary>
    public static IServiceCollection AddPortalBlobs(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(BlobOptions.Section).Get<BlobOptions>() ?? new BlobOptions();
        services.AddSingleton(options);
        services.AddSingleton<IBlobStore>(provider => options.Provider.ToLowerInvariant() switch
        {
            "s3" => new S3BlobStore(options.S3),
            "local" => new LocalBlobStore(Path.IsPathRooted(options.Local.Path)
                ? options.Local.Path
                : Path.Combine(provider.GetRequiredService<IHostEnvironment>().ContentRootPath, options.Local.Path)),
            var other => throw new InvalidOperationException($"Portal:Blobs:Provider is '{other}'; use 'local' or 's3'."),
        });
        return services;
    }

    /// <summary>Identity's store schema: version 3 has the passkey table.</summary>
    public static void ConfigureIdentityStore(IdentityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
    }
}
