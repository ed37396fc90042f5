using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Portal.Data.Migrations;

namespace Portal.Data;

public static class ServiceCollectionExtensions
{
    public const string ConnectionStringName = "Portal";

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
        services.AddSingleton<MigrationRunner>();
        services.AddHealthChecks().AddDbContextCheck<PortalDbContext>("database", tags: ["ready"]);
        return services;
    }

    /// <summary>Identity's store schema: version 3 has the passkey table.</summary>
    public static void ConfigureIdentityStore(IdentityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
    }
}
