using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Portal.Tests.Notifications;

/// <summary>One request a receiver got.</summary>
public sealed record ReceivedHook(string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : "";
}

/// <summary>
/// A real HTTP receiver (Kestrel) on a free loopback port, recording every request. <see cref="Respond"/> decides the
/// answer: a status code, or never (a hanging receiver) until <see cref="Release"/>.
/// </summary>
public sealed class HookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<ReceivedHook> _arrivals = Channel.CreateUnbounded<ReceivedHook>();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedHook> All { get; } = new();

    /// <summary>The status code for a request; null hangs it until <see cref="Release"/> (or the client gives up).</summary>
    public Func<ReceivedHook, int?> Respond { get; set; } = _ => 200;

    /// <summary>Extra response headers (a redirect's Location).</summary>
    public Dictionary<string, string> ResponseHeaders { get; } = [];

    public Uri Url { get; private set; } = null!;

    public static async Task<HookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new HookReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/hook");
        return receiver;
    }

    /// <summary>Lets every hanging request answer 200.</summary>
    public void Release() => _release.TrySetResult();

    /// <summary>The next request, waiting up to <paramref name="seconds"/> (a failure, never a measurement).</summary>
    public async Task<ReceivedHook> NextAsync(int seconds = 30)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            return await _arrivals.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"The receiver got no request within {seconds} s (it has {All.Count}).");
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        var hook = new ReceivedHook(context.Request.Path + context.Request.QueryString, headers, body);
        All.Enqueue(hook);
        await _arrivals.Writer.WriteAsync(hook);
        var code = Respond(hook);
        if (code is null)
        {
            await _release.Task.WaitAsync(context.RequestAborted);
            code = 200;
        }

        foreach (var (name, value) in ResponseHeaders)
        {
            context.Response.Headers[name] = value;
        }

        context.Response.StatusCode = code.Value;
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
