using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using ApiHelp = Portal.Tests.Web.Api.Api;
using Portal.Web.Features.Live;
using Portal.Web.Hubs;

namespace Portal.Tests.Web;

/// <summary>
/// The portal on real Kestrel sockets with small send buffers, so that a watcher that stops reading fills them
/// after a few dozen changes (TestServer's in-memory WebSockets never push back). A short slow-watcher budget keeps
/// the test quick; nothing here is timed.
/// </summary>
public sealed class SmallBufferKestrelPortal : PortalFactory, IAsyncLifetime
{
    public SmallBufferKestrelPortal() => UseKestrel(0);

    // Long enough that a watcher that does read is never taken for a slow one on a busy machine.
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Portal:Live:SlowWatcherSeconds", "1")];

    /// <summary>The portal's address on loopback.</summary>
    public Uri Address => CreateApiClient(null).BaseAddress!;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        // Accepted sockets inherit the listener's send buffer on Linux: a few KB, not the autotuned megabytes.
        builder.UseSockets(sockets => sockets.CreateBoundListenSocket = endpoint =>
        {
            var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
            socket.SendBufferSize = 4096;
            return socket;
        });
    }

    public new async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        StartServer();
    }
}

/// <summary>Bounded broadcasting (issue 13): a watcher that stops reading is dropped, the others keep getting every change, and it catches up by revision.</summary>
public sealed class SlowWatcherTests(SmallBufferKestrelPortal portal) : IClassFixture<SmallBufferKestrelPortal>
{
    private const char Separator = '\u001e';

    [Fact]
    public async Task A_watcher_that_stops_reading_is_dropped_while_the_others_get_every_change_and_it_catches_up_by_revision_on_return()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 40);
        var manager = Assert.IsType<BoundedHubLifetimeManager<IncidentHub>>(portal.Services.GetRequiredService<HubLifetimeManager<IncidentHub>>());

        // The reading watcher is signed in, the stalled one anonymous: the public group then holds only the stalled one.
        await using var reader = await ConnectAsync(PortalFactory.AdminToken);
        var latest = new Latest();
        reader.On<JsonElement>("quorum", quorum => latest.Saw(quorum.GetProperty("revision").GetInt64()));
        await reader.InvokeAsync("Subscribe", scenario.IncidentId);

        using var stalled = await StalledWatcherAsync(scenario.IncidentId);
        Assert.True(manager.HasMembers(IncidentHub.PublicGroup(scenario.IncidentId)));
        var stalledAt = await RevisionAsync(scenario);

        // Changes until the stalled watcher's buffers are full and a pass drops it (a bounded number, not a time).
        var changes = 0;
        string[] states = ["upgraded", "ready"];
        while (manager.HasMembers(IncidentHub.PublicGroup(scenario.IncidentId)) && changes < 300)
        {
            var key = scenario.Keys[changes % scenario.Keys.Count];
            var response = await scenario.Admin.PostAsJsonAsync(ApiHelp.Path($"{scenario.Base}/validators/{key}/status"), new { state = states[changes / scenario.Keys.Count % 2] });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            changes++;

            // The reading watcher is never held up for long behind the stalled one: it gets each change.
            await latest.AtLeastAsync(await RevisionAsync(scenario));
        }

        Assert.False(manager.HasMembers(IncidentHub.PublicGroup(scenario.IncidentId)), $"still a member after {changes} changes");
        var revision = await RevisionAsync(scenario);
        Assert.True(revision > stalledAt);

        // The stalled socket was closed by the server: reading it now ends (after what was buffered) instead of waiting.
        Assert.True(await EndsAsync(stalled));

        // It comes back, subscribes again, and the first quorum document tells it how far behind it is.
        await using var back = await ConnectAsync(token: null);
        var first = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        back.On<JsonElement>("quorum", quorum => first.TrySetResult(quorum.GetProperty("revision").GetInt64()));
        await back.InvokeAsync("Subscribe", scenario.IncidentId);
        Assert.Equal(revision, await first.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private async Task<HubConnection> ConnectAsync(string? token)
    {
        var query = token is null ? "" : "?access_token=" + Uri.EscapeDataString(token);
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(portal.Address, IncidentHub.Path + query), options =>
            {
                options.Transports = HttpTransportType.WebSockets;
                options.SkipNegotiation = true;
            })
            .Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await connection.StartAsync(timeout.Token);
        return connection;
    }

    /// <summary>A raw WebSocket with a small receive window that subscribes, takes its answer, then reads no more.</summary>
    private async Task<ClientWebSocket> StalledWatcherAsync(Guid incidentId)
    {
        var socket = new ClientWebSocket();
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
                await tcp.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(tcp, ownsSocket: true);
            },
        };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var uri = new UriBuilder(new Uri(portal.Address, IncidentHub.Path)) { Scheme = "ws" }.Uri;
        await socket.ConnectAsync(uri, invoker, timeout.Token);
        await SendAsync(socket, "{\"protocol\":\"json\",\"version\":1}" + Separator, timeout.Token);
        await SendAsync(socket, $"{{\"type\":1,\"invocationId\":\"1\",\"target\":\"Subscribe\",\"arguments\":[\"{incidentId}\"]}}" + Separator, timeout.Token);

        // Read up to the invocation's completion (type 3): from then on it is in the group, and reads nothing.
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("\"type\":3", StringComparison.Ordinal))
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            received.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }

        Assert.DoesNotContain("\"error\"", received.ToString(), StringComparison.Ordinal);
        return socket;
    }

    private static Task SendAsync(ClientWebSocket socket, string text, CancellationToken cancellationToken) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    /// <summary>Reads until the connection ends; true when it ended (closed or reset), false if it was still open after a generous while.</summary>
    private static async Task<bool> EndsAsync(ClientWebSocket socket)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, guard.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return true;
                }
            }
        }
        catch (WebSocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<long> RevisionAsync(ApiScenario scenario) =>
        (await scenario.Admin.GetFromJsonAsync<JsonElement>(ApiHelp.Path($"{scenario.Base}/quorum"))).GetProperty("revision").GetInt64();

    /// <summary>The highest revision a watcher has seen, and a way to wait for one.</summary>
    private sealed class Latest
    {
        private readonly Lock _gate = new();
        private readonly List<(long Revision, TaskCompletionSource Reached)> _waiting = [];
        private long _revision;

        public void Saw(long revision)
        {
            lock (_gate)
            {
                _revision = Math.Max(_revision, revision);
                foreach (var waiter in _waiting.Where(w => w.Revision <= _revision).ToList())
                {
                    waiter.Reached.TrySetResult();
                    _waiting.Remove(waiter);
                }
            }
        }

        public Task AtLeastAsync(long revision)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_revision >= revision)
                {
                    return Task.CompletedTask;
                }

                _waiting.Add((revision, reached));
            }

            return reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
