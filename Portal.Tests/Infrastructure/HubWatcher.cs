using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Portal.Tests.Infrastructure;

/// <summary>A message the hub sent: its target and its first argument.</summary>
public sealed record HubMessage(string Target, JsonElement Argument);

/// <summary>
/// A watcher of the live hub on the official SignalR .NET client, over WebSockets through the in-memory test
/// server. Keeps the server's <c>quorum</c>, <c>fragment</c> and <c>update</c> messages in the order they arrived.
/// </summary>
public sealed class HubWatcher : IAsyncDisposable
{
    private static readonly string[] Targets = ["quorum", "fragment", "update"];

    private readonly HubConnection _connection;
    private readonly Channel<HubMessage> _messages = Channel.CreateUnbounded<HubMessage>();

    private HubWatcher(HubConnection connection)
    {
        _connection = connection;
        foreach (var target in Targets)
        {
            _connection.On<JsonElement>(target, argument => _messages.Writer.TryWrite(new HubMessage(target, argument.Clone())));
        }
    }

    /// <summary>Connects to <paramref name="portal"/>'s hub, anonymously or with an API token (sent as <c>access_token</c>, as browsers' WebSockets do).</summary>
    public static async Task<HubWatcher> ConnectAsync(PortalFactory portal, string? token = null)
    {
        ArgumentNullException.ThrowIfNull(portal);
        var server = portal.Server;
        var query = token is null ? "" : "?access_token=" + Uri.EscapeDataString(token);
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, "/hubs/incidents" + query), options =>
            {
                options.Transports = HttpTransportType.WebSockets;
                options.SkipNegotiation = true;
                options.HttpMessageHandlerFactory = _ => server.CreateHandler();
                options.WebSocketFactory = async (context, cancellationToken) =>
                    await server.CreateWebSocketClient().ConnectAsync(context.Uri, cancellationToken);
            })
            .Build();
        var watcher = new HubWatcher(connection);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await connection.StartAsync(timeout.Token);
        return watcher;
    }

    /// <summary>Invokes a hub method and waits for its completion; throws the hub's <see cref="Microsoft.AspNetCore.SignalR.HubException"/> if it failed.</summary>
    public async Task InvokeAsync(string method, params object[] arguments)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _connection.InvokeCoreAsync(method, arguments, timeout.Token);
    }

    /// <summary>The next message for <paramref name="target"/>, skipping others; fails after the timeout.</summary>
    public async Task<JsonElement> NextAsync(string target, TimeSpan? timeout = null, Func<JsonElement, bool>? where = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var message = await _messages.Reader.ReadAsync(cancel.Token);
            if (message.Target == target && (where is null || where(message.Argument)))
            {
                return message.Argument;
            }
        }
    }

    /// <summary>Everything received so far, without waiting.</summary>
    public List<HubMessage> Drain()
    {
        var all = new List<HubMessage>();
        while (_messages.Reader.TryRead(out var message))
        {
            all.Add(message);
        }

        return all;
    }

    /// <summary>Every message from now up to and including the first quorum document of <paramref name="revision"/> or later (alone or on an update), in order; fails after the timeout.</summary>
    public async Task<List<HubMessage>> UntilQuorumAsync(long revision, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        var received = new List<HubMessage>();
        while (true)
        {
            var message = await _messages.Reader.ReadAsync(cancel.Token);
            received.Add(message);
            // Subscribers get the quorum document as a message of its own; page watchers on the last update of a change.
            var quorum = message.Target switch
            {
                "quorum" => message.Argument,
                "update" when message.Argument.GetProperty("quorum").ValueKind == JsonValueKind.Object => message.Argument.GetProperty("quorum"),
                _ => default,
            };
            if (quorum.ValueKind == JsonValueKind.Object && quorum.GetProperty("revision").GetInt64() >= revision)
            {
                return received;
            }
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
