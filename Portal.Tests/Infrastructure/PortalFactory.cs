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

    /// <summary>The local blob store's folder, private to this portal.</summary>
    public string BlobFolder { get; } = Path.Combine(Path.GetTempPath(), "portal-tests", Guid.NewGuid().ToString("N"));

    /// <summary>The bootstrap admin's API token (Portal:BootstrapAdminToken) on every test portal.</summary>
    public const string AdminToken = "test-bootstrap-admin-token-0123456789abcdef";

    /// <summary>The timeline anchor key (Portal:Timeline:Key) of every test portal, so tests can forge with the wrong one.</summary>
    public static byte[] TimelineKey { get; } = [.. Enumerable.Range(1, 32).Select(i => (byte)(i * 7))];

    protected virtual bool SeedDemo => false;

    /// <summary>Extra settings a subclass needs (rate limits, for instance).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> Settings => [];

    /// <summary>The connection string the portal uses (its own role); a subclass may route it through a <see cref="TcpProxy"/>.</summary>
    protected virtual string PortalConnectionString => Database.AppConnectionString;

    /// <summary>The owner role's connection string, which the portal migrates with.</summary>
    protected virtual string OwnerConnectionString => Database.ConnectionString;

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
        if (Directory.Exists(BlobFolder))
        {
            Directory.Delete(BlobFolder, recursive: true);
        }
    }

    protected virtual ValueTask AfterStopAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// A client on https://localhost: the portal runs as Production, so its cookies are Secure and a plain-http
    /// client would never send them back.
    /// </summary>
    public HttpClient CreateHttpsClient(bool followRedirects = false) =>
        CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = followRedirects, HandleCookies = true });

    /// <summary>A client that sends <paramref name="token"/> as its bearer token.</summary>
    public virtual HttpClient CreateApiClient(string? token = AdminToken)
    {
        var client = CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");

        // Static assets from the build output (precompressed, fingerprinted), as a published app has them in wwwroot.
        builder.UseStaticWebAssets();
        builder.UseSetting("ConnectionStrings:Portal", PortalConnectionString);
        builder.UseSetting("ConnectionStrings:PortalOwner", OwnerConnectionString);
        builder.UseSetting("Portal:SeedDemo", SeedDemo ? "true" : "false");
        builder.UseSetting("Portal:BootstrapAdminToken", AdminToken);
        builder.UseSetting("Portal:Timeline:Key", Convert.ToBase64String(TimelineKey));
        builder.UseSetting("Portal:Blobs:Local:Path", BlobFolder);

        // In-process requests have no client address, so every test in a class shares one rate-limit
        // partition; RateLimitTests sets tight limits of its own.
        builder.UseSetting("Portal:RateLimits:SignInPerMinute", "10000");
        builder.UseSetting("Portal:RateLimits:ApiPerMinute", "100000");
        builder.UseSetting("Portal:RateLimits:InvalidTokensPerMinute", "100000");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
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
            var target = new NpgsqlConnectionStringBuilder(Database.AppConnectionString);
            target.Host = "127.0.0.1";
            target.Port = Proxy.Port;
            // A cut closes the sockets, so a cut is seen at once; a short connect timeout keeps refused connects quick.
            // Commands keep a long timeout: a test that holds a lock while it cuts must find the portal still waiting
            // on it, however slow the machine is.
            target.Timeout = 2;
            target.CommandTimeout = 30;
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

/// <summary>
/// Another portal process on an existing portal's database, sharing nothing else: a restart, a second
/// instance behind a load balancer. (It creates and drops an empty database of its own, unused.)
/// </summary>
public sealed class SameDatabasePortal(TestDatabase shared, IEnumerable<KeyValuePair<string, string>>? settings = null) : PortalFactory
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings => settings ?? base.Settings;

    protected override string PortalConnectionString => shared.AppConnectionString;

    protected override string OwnerConnectionString => shared.ConnectionString;
}
