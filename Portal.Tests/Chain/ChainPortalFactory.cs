using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Time.Testing;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Chain;

namespace Portal.Tests.Chain;

/// <summary>
/// A portal whose clock the test moves and whose chain watch does not run on its own: tests call
/// <see cref="PollAsync"/>, so each poll happens exactly when the test says. Short RPC timeouts.
/// </summary>
public sealed class ChainPortalFactory : PortalFactory
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Portal:Chain:WatchEnabled", "false"),
        new("Portal:Chain:AttemptTimeoutSeconds", "1"),
        new("Portal:Chain:Retries", "1"),
        new("Portal:Chain:ReadyGraceMinutes", "10"),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    /// <summary>One pass of the watch over every due network; returns how many it polled.</summary>
    public Task<int> PollAsync() => Services.GetRequiredService<ChainWatch>().PollDueAsync();
}
