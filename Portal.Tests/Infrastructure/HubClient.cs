using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Portal.Tests.Infrastructure;

/// <summary>A message the hub sent: its target and its first argument.</summary>
public sealed record HubMessage(string Target, JsonElement Argument);

/// <summary>
/// Just enough of the SignalR JSON protocol over a raw WebSocket (the .NET SignalR client is not available
/// here): handshake, invocations, and the server's messages in order. Records are separated by 0x1E.
/// </summary>
public sealed class HubClient : IAsyncDisposable
{
    private const char Separator = '\u001e';
    private readonly WebSocket _socket;
    private readonly Channel<HubMessage> _messages = Channel.CreateUnbounded<HubMessage>();
    private readonly Channel<JsonElement> _completions = Channel.CreateUnbounded<JsonElement>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private int _nextId;

    private HubClient(WebSocket socket)
    {
        _socket = socket;
        _reading = ReadAsync();
    }

    public static async Task<HubClient> ConnectAsync(Func<Uri, CancellationToken, Task<WebSocket>> connect, Uri uri)
    {
        ArgumentNullException.ThrowIfNull(connect);
        var socket = await connect(uri, CancellationToken.None);
        await SendRawAsync(socket, """{"protocol":"json","version":1}""");
        var client = new HubClient(socket);
        await client.ExpectHandshakeAsync();
        return client;
    }

    /// <summary>Connects through the in-memory test server.</summary>
    public static Task<HubClient> ConnectAsync(PortalFactory portal)
    {
        ArgumentNullException.ThrowIfNull(portal);
        var ws = portal.Server.CreateWebSocketClient();
        return ConnectAsync((uri, ct) => ws.ConnectAsync(uri, ct), new Uri("ws://localhost/hubs/incidents"));
    }

    private readonly TaskCompletionSource _handshake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Task ExpectHandshakeAsync() => _handshake.Task.WaitAsync(TimeSpan.FromSeconds(10));

    /// <summary>Invokes a hub method and waits for its completion; throws with the hub's error if it failed.</summary>
    public async Task InvokeAsync(string target, params object[] arguments)
    {
        var id = Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await SendRawAsync(_socket, JsonSerializer.Serialize(new { type = 1, invocationId = id, target, arguments }));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var completion = await _completions.Reader.ReadAsync(timeout.Token);
        if (completion.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException(error.GetString());
        }
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

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        var pending = new StringBuilder();
        try
        {
            while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                pending.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
                var text = pending.ToString();
                var last = text.LastIndexOf(Separator);
                if (last < 0)
                {
                    continue;
                }

                pending.Clear().Append(text[(last + 1)..]);
                foreach (var record in text[..last].Split(Separator, StringSplitOptions.RemoveEmptyEntries))
                {
                    Dispatch(record);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // closed
        }
    }

    private void Dispatch(string record)
    {
        using var document = JsonDocument.Parse(record);
        var root = document.RootElement.Clone();
        if (!root.TryGetProperty("type", out var type))
        {
            _handshake.TrySetResult(); // "{}" or {"error": …}
            return;
        }

        switch (type.GetInt32())
        {
            case 1:
                _messages.Writer.TryWrite(new HubMessage(root.GetProperty("target").GetString()!, root.GetProperty("arguments")[0]));
                break;
            case 3:
                _completions.Writer.TryWrite(root);
                break;
        }
    }

    private static async Task SendRawAsync(WebSocket socket, string json) =>
        await socket.SendAsync(Encoding.UTF8.GetBytes(json + Separator), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
        catch (WebSocketException)
        {
        }

        await _reading;
        _socket.Dispose();
        _stop.Dispose();
    }
}
