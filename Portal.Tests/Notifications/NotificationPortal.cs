using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Notifications;

namespace Portal.Tests.Notifications;

/// <summary>
/// A portal whose notifications go to loopback peers: private addresses allowed (unless <c>strict</c>), a short
/// poll, links built on https://portal.example.org, a clock the test moves, and every log message captured (to show
/// that no secret is ever written). With <c>shared</c> it runs on that database (a restart, a second instance).
/// </summary>
public sealed class NotificationPortal(TestDatabase? shared = null, bool strict = false, IReadOnlyDictionary<string, string>? extra = null, DateTimeOffset? start = null) : PortalFactory
{
    public const string PublicUrl = "https://portal.example.org";

    public FakeTimeProvider Clock { get; } = new(start ?? DateTimeOffset.UtcNow);

    public CapturedLogs Logs { get; } = new();

    /// <summary>The database the portal really runs on.</summary>
    public TestDatabase Db => shared ?? Database;

    protected override string PortalConnectionString => shared?.AppConnectionString ?? base.PortalConnectionString;

    protected override string OwnerConnectionString => shared?.ConnectionString ?? base.OwnerConnectionString;

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Portal:Webhooks:AllowPrivateAddresses", strict ? "false" : "true"),
        new("Portal:Notifications:PollMilliseconds", "50"),
        new("Portal:PublicUrl", PublicUrl),
        .. extra ?? new Dictionary<string, string>(),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<ILoggerFactory>(new LoggerFactory([Logs], new LoggerFilterOptions { MinLevel = LogLevel.Trace }));
        });
    }

    public OutboxDispatcher Dispatcher => Services.GetRequiredService<OutboxDispatcher>();

    /// <summary>Moves the clock to <paramref name="at"/> (never back) and wakes the dispatcher.</summary>
    public void MoveTo(DateTimeOffset at)
    {
        if (at > Clock.GetUtcNow())
        {
            Clock.SetUtcNow(at);
        }

        Dispatcher.Wake();
    }

    /// <summary>Waits until <paramref name="sql"/> (a boolean query) holds, polling the database.</summary>
    public async Task UntilAsync(string sql, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await Db.ScalarAsync<bool>(sql))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Still not true after {seconds} s: {sql}");
            }

            Dispatcher.Wake();
            await Task.Delay(25);
        }
    }
}

/// <summary>Every log message and exception, formatted, from every logger of the portal.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public bool Contains(string text) => Lines.Any(l => l.Contains(text, StringComparison.Ordinal));

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{values}] {exception}");
        }
    }
}
