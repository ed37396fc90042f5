using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Portal.Bench;

/// <summary>
/// How a <see cref="CircuitClient"/> reaches the portal. Null members mean real sockets; the tests pass the
/// in-memory test server's handler and WebSocket client.
/// </summary>
public sealed class CircuitTransport
{
    public Func<HttpMessageHandler>? Handler { get; init; }

    /// <summary>Opens the hub's WebSocket at the given address, sending the given Cookie header.</summary>
    public Func<Uri, string, CancellationToken, Task<WebSocket>>? WebSocket { get; init; }
}

/// <summary>
/// One console tab without a browser: it does what blazor.web.js does for an interactive Server page. It fetches
/// the prerendered page (signed in by cookie), reads the root components' markers and the persisted state from
/// its comments, connects to <c>/_blazor</c> over WebSockets with the <c>blazorpack</c> protocol (MessagePack
/// under Blazor's name, the only one that hub accepts), calls <c>StartCircuit</c> and then
/// <c>UpdateRootComponents</c> with the markers. It acknowledges each render batch with
/// <c>OnRenderCompleted</c> (the server stops sending after a few unacknowledged ones) and answers each
/// JavaScript interop call with "done, no value". It does not apply batches; it keeps, after
/// <see cref="Arm"/>, when each batch arrived and its bytes, so a caller can tell when a given text (say, a
/// revision) has been rendered.
/// </summary>
public sealed partial class CircuitClient : IAsyncDisposable
{
    private readonly HubConnection _hub;
    private readonly Lock _lock = new();
    private readonly List<(long At, byte[] Bytes)> _recorded = [];
    private readonly TaskCompletionSource _firstBatch = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _recording;
    private List<string>? _sought;
    private List<byte[]> _needles = [];
    private int _scanned;
    private long _foundAt;
    private long _bytes;
    private long _batches;
    private string? _error;
    private byte[]? _first;

    private CircuitClient(HubConnection hub) => _hub = hub;

    /// <summary>Render batches received so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Bytes of render batches received so far.</summary>
    public long BatchBytes => Interlocked.Read(ref _bytes);

    /// <summary>The first error the server reported (<c>JS.Error</c>) or the connection closed with; null while all is well.</summary>
    public string? Error
    {
        get
        {
            lock (_lock)
            {
                return _error;
            }
        }
    }

    /// <summary>
    /// Opens a circuit on <paramref name="page"/> (absolute) with the sign-in cookie in <paramref name="cookies"/>,
    /// and waits for its first render batch.
    /// </summary>
    public static async Task<CircuitClient> StartAsync(Uri page, CookieContainer cookies, CircuitTransport? transport = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(cookies);
        var cookieHeader = cookies.GetCookieHeader(page);
        string html;
        using (var http = transport?.Handler is { } handler
            ? new HttpClient(handler(), disposeHandler: true)
            : new HttpClient(new SocketsHttpHandler { UseCookies = false }, disposeHandler: true))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, page);
            request.Headers.Add("Cookie", cookieHeader);
            using var response = await http.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
            html = await response.Content.ReadAsStringAsync(cancellationToken);
        }

        // As blazor.web.js: the server markers (the end markers carry no type) in their sequence order.
        var markers = Marker().Matches(html)
            .Select(m => JsonDocument.Parse(m.Groups[1].Value).RootElement.Clone())
            .Where(m => m.TryGetProperty("type", out var type) && type.GetString() == "server")
            .OrderBy(m => m.GetProperty("sequence").GetInt32())
            .ToList();
        if (markers.Count == 0)
        {
            throw new InvalidOperationException($"{page} has no interactive Server components: not signed in, or not a console page.");
        }

        var state = PersistedState().Match(html) is { Success: true } found ? found.Groups[1].Value : "";
        var builder = new HubConnectionBuilder().WithUrl(new Uri(page, "/_blazor"), options =>
        {
            options.Transports = HttpTransportType.WebSockets;
            if (transport?.Handler is { } handler)
            {
                options.HttpMessageHandlerFactory = _ => handler();
                options.Headers["Cookie"] = cookieHeader;
            }
            else
            {
                options.Cookies = cookies;
            }

            if (transport?.WebSocket is { } open)
            {
                options.WebSocketFactory = async (context, token) => await open(context.Uri, cookieHeader, token);
            }
        });
        builder.Services.AddSingleton<IHubProtocol, BlazorPackProtocol>();
        var hub = builder.Build();
        var client = new CircuitClient(hub);
        client.Listen();
        try
        {
            await hub.StartAsync(cancellationToken);
            var circuitId = await hub.InvokeAsync<string?>("StartCircuit", new Uri(page, "/").ToString(), page.ToString(), "[]", state, cancellationToken);
            if (string.IsNullOrEmpty(circuitId))
            {
                throw new InvalidOperationException($"The server refused the circuit: {client.Error ?? "no reason given"}");
            }

            var operations = markers.Select((marker, i) => new { type = "add", ssrComponentId = i + 1, marker });
            await hub.SendAsync("UpdateRootComponents", JsonSerializer.Serialize(new { batchId = 1, operations }), state, cancellationToken);
            await client._firstBatch.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            if (client.Error is { } error)
            {
                throw new InvalidOperationException("The circuit failed: " + error);
            }

            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    private void Listen()
    {
        _hub.On<long, byte[]>("JS.RenderBatch", async (batchId, bytes) =>
        {
            var now = Stopwatch.GetTimestamp();
            lock (_lock)
            {
                if (_recording)
                {
                    _recorded.Add((now, bytes));
                }
            }

            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _bytes, bytes.Length);
            Interlocked.CompareExchange(ref _first, bytes, null);
            _firstBatch.TrySetResult();
            await _hub.SendAsync("OnRenderCompleted", batchId, null);
        });

        // (asyncHandle, identifier, argsJson, resultType, targetInstanceId, callType) as .NET 10 sends it; a
        // handle of 0 expects no answer.
        _hub.On("JS.BeginInvokeJS", [typeof(long), typeof(string), typeof(string), typeof(int), typeof(long), typeof(int)], async arguments =>
        {
            var handle = (long)arguments[0]!;
            if (handle != 0)
            {
                await _hub.SendAsync("EndInvokeJSFromDotNet", handle, true, $"[{handle},true,null]");
            }
        });
        _hub.On("JS.AttachComponent", [typeof(int), typeof(string)], _ => Task.CompletedTask);
        _hub.On("JS.EndUpdateRootComponents", [typeof(long)], _ => Task.CompletedTask);
        _hub.On<string>("JS.Error", Fail);
        _hub.Closed += exception =>
        {
            Fail("connection closed" + (exception is null ? "" : ": " + exception.Message));
            return Task.CompletedTask;
        };
    }

    private void Fail(string message)
    {
        lock (_lock)
        {
            _error ??= message;
        }

        _firstBatch.TrySetResult();
    }

    /// <summary>Forgets what was recorded and records each batch from now on.</summary>
    public void Arm()
    {
        lock (_lock)
        {
            _recorded.Clear();
            _recording = true;
            _sought = null;
        }
    }

    /// <summary>
    /// Stopwatch timestamp of the first batch since <see cref="Arm"/> that carries every one of
    /// <paramref name="texts"/> among its strings; 0 if none has yet. A batch ends with its string table, each
    /// string written as its UTF-8 length (7 bits a byte) and bytes, so each text is looked for with that prefix:
    /// an attribute's name and new value (<c>data-revision</c>, <c>42</c>) both appear in the batch that changes it.
    /// </summary>
    public long ArrivalOf(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        lock (_lock)
        {
            // Each batch is searched once for the texts sought: callers poll, and batches can be large.
            if (_sought is null || !_sought.SequenceEqual(texts, StringComparer.Ordinal))
            {
                _sought = [.. texts];
                _needles = [.. texts.Select(Encoded)];
                _scanned = 0;
                _foundAt = 0;
            }

            while (_foundAt == 0 && _scanned < _recorded.Count)
            {
                var (at, bytes) = _recorded[_scanned++];
                if (_needles.TrueForAll(n => bytes.AsSpan().IndexOf(n) >= 0))
                {
                    _foundAt = at;
                }
            }

            return _foundAt;
        }
    }

    /// <summary>Waits until a batch since <see cref="Arm"/> carries all of <paramref name="texts"/>; returns its arrival.</summary>
    public async Task<long> WaitForAsync(IReadOnlyList<string> texts, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (ArrivalOf(texts) is var at and not 0)
            {
                return at;
            }

            if (Error is { } error)
            {
                throw new InvalidOperationException("The circuit failed: " + error);
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"No render batch carried {string.Join(" and ", texts.Select(t => $"'{t}'"))} within {timeout.TotalSeconds:0} s ({Batches} batches in all).");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>The circuit's first render batch (the whole page), and the batches recorded since <see cref="Arm"/>.</summary>
    public (byte[]? First, IReadOnlyList<byte[]> Recorded) Captured()
    {
        lock (_lock)
        {
            return (_first, [.. _recorded.Select(r => r.Bytes)]);
        }
    }

    /// <summary>
    /// What a render batch is made of, to see what dominates it: its size, its frames' and string table's bytes, and
    /// its largest strings. The batch ends with five offsets (updated components, reference frames, disposed
    /// components, disposed event handlers, string table index); the index lists where each string starts.
    /// </summary>
    public static string Describe(byte[] batch, int top = 25)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int At(int offset) => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(batch.AsSpan(offset));
        var n = batch.Length;
        var (updated, frames, handlers, index) = (At(n - 20), At(n - 16), At(n - 8), At(n - 4));
        var strings = new List<string>();
        for (var i = index; i + 4 <= n - 20; i += 4)
        {
            var at = At(i);
            var (length, shift) = (0, 0);
            byte b;
            do
            {
                b = batch[at++];
                length |= (b & 0x7F) << shift;
                shift += 7;
            }
            while ((b & 0x80) != 0);
            strings.Add(Encoding.UTF8.GetString(batch, at, length));
        }

        var text = new StringBuilder();
        // Each section's items come before its table of offsets: the diffs (with their edits) before the
        // updated-components table, the reference frames after it.
        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"batch {n:N0} B: diffs {updated:N0} B, frames {frames - updated:N0} B, strings {index - handlers:N0} B ({strings.Count:N0}); ");
        text.AppendJoin(" | ", strings.OrderByDescending(s => s.Length).Take(top).Select(s => s.Length > 60 ? s[..60] + "…" : s));
        text.Append(" || first: ");
        text.AppendJoin(" | ", strings.Take(top * 2).Select(s => s.Length > 40 ? s[..40] + "…" : s));
        return text.ToString();
    }

    /// <summary>What the console's batch carries when it shows <paramref name="revision"/>: <c>data-revision</c> on <c>#incident</c>.</summary>
    public static IReadOnlyList<string> Revision(long revision) => ["data-revision", revision.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    private static byte[] Encoded(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var prefix = new List<byte>();
        var length = (uint)bytes.Length;
        do
        {
            var b = (byte)(length & 0x7F);
            length >>= 7;
            prefix.Add(length == 0 ? b : (byte)(b | 0x80));
        }
        while (length != 0);
        return [.. prefix, .. bytes];
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [GeneratedRegex("<!--Blazor:(\\{.*?\\})-->", RegexOptions.Singleline)]
    private static partial Regex Marker();

    [GeneratedRegex("<!--Blazor-Server-Component-State:([A-Za-z0-9+/=]+)-->")]
    private static partial Regex PersistedState();

    /// <summary>Blazor's hub speaks only "blazorpack": SignalR's MessagePack protocol under another name.</summary>
    private sealed class BlazorPackProtocol : IHubProtocol
    {
        private readonly MessagePackHubProtocol _inner = new();

        public string Name => "blazorpack";

        public int Version => _inner.Version;

        public TransferFormat TransferFormat => TransferFormat.Binary;

        public bool IsVersionSupported(int version) => _inner.IsVersionSupported(version);

        public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message) =>
            _inner.TryParseMessage(ref input, binder, out message);

        public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => _inner.WriteMessage(message, output);

        public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => _inner.GetMessageBytes(message);
    }
}
