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

    protected virtual bool SeedDemo => false;

    /// <summary>The connection string the portal uses; a subclass may route it through a <see cref="TcpProxy"/>.</summary>
    protected virtual string PortalConnectionString => Database.ConnectionString;

    /// <summary>Creates the database, then starts the portal, which migrates it (and seeds, if asked).</summary>
    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        await BeforeStartAsync();
        _ = Server;
    }

    protected virtual Task BeforeStartAsync() => Task.CompletedTask;

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await AfterStopAsync();
        await Database.DisposeAsync();
    }

    protected virtual ValueTask AfterStopAsync() => ValueTask.CompletedTask;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:Portal", PortalConnectionString);
        builder.UseSetting("Portal:SeedDemo", SeedDemo ? "true" : "false");
    }

}

/// <summary>The portal reaching its database through a <see cref="TcpProxy"/> the test can cut.</summary>
public sealed class ProxiedPortalFactory : PortalFactory
{
    private TcpProxy? _proxy;

    public TcpProxy Proxy => _proxy ?? throw new InvalidOperationException("Not initialised.");

    protected override string PortalConnectionString
    {
        get
        {
            var target = new NpgsqlConnectionStringBuilder(Database.ConnectionString);
            target.Host = "127.0.0.1";
            target.Port = Proxy.Port;
            target.Timeout = 2;
            target.CommandTimeout = 2;
            return target.ConnectionString;
        }
    }

    protected override Task BeforeStartAsync()
    {
        var target = new NpgsqlConnectionStringBuilder(Database.ConnectionString);
        _proxy = new TcpProxy(target.Host!, target.Port);
        return Task.CompletedTask;
    }

    protected override ValueTask AfterStopAsync() => _proxy?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>The portal with the CyberMiles demo seeded.</summary>
public sealed class DemoPortalFactory : PortalFactory
{
    protected override bool SeedDemo => true;
}
