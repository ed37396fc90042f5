using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Portal.Bench;

/// <summary>
/// One watcher: a WebSocket speaking the SignalR JSON protocol, watching an incident as its page does (the hub's
/// <c>Watch</c>: each change arrives as one <c>update</c> message). It keeps only what
/// the benchmark needs: the latest quorum revision, when the first message above an armed mark arrived, and
/// the sizes of the messages that came with it.
/// </summary>
public sealed class Watcher : IAsyncDisposable
{
    private const byte Separator = 0x1E;
    private static readonly byte[] Ping = Encoding.UTF8.GetBytes("{\"type\":6}\u001e");

    private readonly ClientWebSocket _socket = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;
    private Task _pinging = Task.CompletedTask;
    private long _revision;
    private long _armedAbove = long.MaxValue;
    private long _arrival;
    private long _benchAbove = long.MaxValue;
    private long _benchArrival;

    public long Revision => Volatile.Read(ref _revision);

    /// <summary>Stopwatch timestamp of the first quorum message above the armed revision; 0 until then.</summary>
    public long Arrival => Volatile.Read(ref _arrival);

    public long BenchArrival => Volatile.Read(ref _benchArrival);

    /// <summary>Sizes of the messages received since arming, in order (recorded on the watcher asked to).</summary>
    public List<int>? RecordedSizes { get; set; }

    public static async Task<Watcher> ConnectAsync(Uri hub, Guid incidentId, CancellationToken cancellationToken)
    {
        var watcher = new Watcher();
        watcher._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await watcher._socket.ConnectAsync(hub, cancellationToken);
        await watcher.SendAsync("{\"protocol\":\"json\",\"version\":1}\u001e", cancellationToken);
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher._receiving = watcher.ReceiveAsync(subscribed);
        await watcher.SendAsync($"{{\"type\":1,\"invocationId\":\"1\",\"target\":\"Watch\",\"arguments\":[\"{incidentId}\"]}}\u001e", cancellationToken);
        await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        watcher._pinging = watcher.PingAsync();
        return watcher;
    }

    public void Arm(long aboveRevision)
    {
        Volatile.Write(ref _arrival, 0);
        Volatile.Write(ref _armedAbove, aboveRevision);
        RecordedSizes?.Clear();
    }

    public void ArmBench(long aboveSequence)
    {
        Volatile.Write(ref _benchArrival, 0);
        Volatile.Write(ref _benchAbove, aboveSequence);
    }

    private async Task ReceiveAsync(TaskCompletionSource subscribed)
    {
        var buffer = new byte[64 * 1024];
        var pending = new ArrayBufferWriter<byte>(64 * 1024);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                // Only the bytes just received are searched for the record separator, and what is left of a
                // record is copied once per completed record: a 30 KB update arriving in many reads costs its
                // size, not its size times the number of reads.
                var searched = pending.WrittenCount;
                pending.Write(buffer.AsSpan(0, result.Count));
                var data = pending.WrittenSpan;
                int start = 0, found;
                while ((found = data[Math.Max(start, searched)..].IndexOf(Separator)) >= 0)
                {
                    var end = Math.Max(start, searched) + found;
                    Handle(data[start..end], subscribed);
                    start = end + 1;
                }

                if (start > 0)
                {
                    var rest = data[start..].ToArray();
                    pending.Clear();
                    pending.Write(rest);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            subscribed.TrySetException(ex);
        }
    }

    private void Handle(ReadOnlySpan<byte> record, TaskCompletionSource subscribed)
    {
        var now = Stopwatch.GetTimestamp();
        RecordedSizes?.Add(record.Length);
        var reader = new Utf8JsonReader(record);
        string? target = null;
        long number = -1;
        var final = true; // an update without its quorum document is not the change's last
        var type = 0;
        var depth = 0;
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                depth++;
            }
            else if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                depth--;
            }
            else if (reader.TokenType == JsonTokenType.PropertyName)
            {
                if (depth == 1 && reader.ValueTextEquals("type"))
                {
                    reader.Read();
                    type = reader.GetInt32();
                }
                else if (depth == 1 && reader.ValueTextEquals("target"))
                {
                    reader.Read();
                    target = reader.GetString();
                }
                else if (depth == 3 && (reader.ValueTextEquals("revision") || reader.ValueTextEquals("sequence")))
                {
                    reader.Read();
                    number = reader.GetInt64();
                }
                else if (depth == 3 && reader.ValueTextEquals("quorum"))
                {
                    reader.Read();
                    final = reader.TokenType != JsonTokenType.Null;
                    if (final)
                    {
                        reader.Skip();
                    }
                }
            }
        }

        if (type == 3)
        {
            subscribed.TrySetResult(); // completion of Subscribe (an error would carry "error"; the quorum message follows)
        }
        else if (target is "quorum" or "update" && number >= 0 && final)
        {
            if (number > Volatile.Read(ref _revision))
            {
                Volatile.Write(ref _revision, number);
            }

            if (number > Volatile.Read(ref _armedAbove) && Volatile.Read(ref _arrival) == 0)
            {
                Volatile.Write(ref _arrival, now);
            }
        }
        else if (target == "bench" && number > Volatile.Read(ref _benchAbove) && Volatile.Read(ref _benchArrival) == 0)
        {
            Volatile.Write(ref _benchArrival, now);
        }
    }

    /// <summary>Clients must speak within the server's 30 s timeout; a ping every 10 s keeps idle watchers alive.</summary>
    private async Task PingAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), _stop.Token);
                await _sendLock.WaitAsync(_stop.Token);
                try
                {
                    await _socket.SendAsync(Ping, WebSocketMessageType.Text, true, _stop.Token);
                }
                finally
                {
                    _sendLock.Release();
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }

    private readonly SemaphoreSlim _sendLock = new(1, 1);

    private async Task SendAsync(string text, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }

        await Task.WhenAll(_receiving, _pinging).ContinueWith(_ => { }, TaskScheduler.Default);
        _socket.Dispose();
        _stop.Dispose();
        _sendLock.Dispose();
    }
}
