using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// The real portal, in process, on its own fresh PostgreSQL database, in the Production environment so that
/// error handling is what users get. Migrations run at start-up exactly as in production.
/// </summary>
public class PortalFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public TestDatabase Database { get; } = new();

    /// <summary>Overrides the connection string, e.g. to go through a <see cref="TcpProxy"/>.</summary>
    public string? ConnectionStringOverride { get; set; }

    protected virtual bool SeedDemo => false;

    public virtual Task InitializeAsync() => Database.InitializeAsync();

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Database.DisposeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:Portal", ConnectionStringOverride ?? Database.ConnectionString);
        builder.UseSetting("Portal:SeedDemo", SeedDemo ? "true" : "false");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
    }

    public static string WithTimeout(string connectionString, int seconds) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Timeout = seconds, CommandTimeout = seconds }.ConnectionString;
}

/// <summary>The portal with the CyberMiles demo seeded.</summary>
public sealed class DemoPortalFactory : PortalFactory
{
    protected override bool SeedDemo => true;
}
