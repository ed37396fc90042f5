using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// A node's RPC on a real loopback socket (Kestrel on 127.0.0.1, port 0): the test decides each answer from the
/// request, so it can replay real-shaped responses, or misbehave (500s, stalls, garbage, lies).
/// </summary>
public sealed class FakeRpc : IAsyncDisposable
{
    private readonly IHost _host;

    private FakeRpc(IHost host, Uri url)
    {
        _host = host;
        Url = url;
    }

    /// <summary>The base URL, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Url { get; }

    /// <summary>Path and query of every request received, in order (for POSTs, the body is appended after a space).</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public Func<HttpContext, string, Task> Handler { get; set; } = (context, _) =>
    {
        context.Response.StatusCode = 404;
        return Task.CompletedTask;
    };

    public static async Task<FakeRpc> StartAsync(Func<HttpContext, string, Task>? handler = null)
    {
        FakeRpc? rpc = null;
        var host = new HostBuilder()
            .ConfigureLogging(logging => logging.ClearProviders())
            .ConfigureWebHost(web => web
                .UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0))
                .Configure(app => app.Run(async context =>
                {
                    using var reader = new StreamReader(context.Request.Body);
                    var body = await reader.ReadToEndAsync();
                    var request = context.Request.Path + context.Request.QueryString + (body.Length > 0 ? " " + body : "");
                    rpc!.Requests.Enqueue(request);
                    await rpc.Handler(context, request);
                })))
            .Build();
        await host.StartAsync();
        var address = host.Services.GetService(typeof(IServer)) is IServer server
            ? server.Features.Get<IServerAddressesFeature>()!.Addresses.First()
            : throw new InvalidOperationException("Kestrel did not start.");
        rpc = new FakeRpc(host, new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/"));
        if (handler is not null)
        {
            rpc.Handler = handler;
        }

        return rpc;
    }

    /// <summary>Answers JSON with status 200 (or the given status).</summary>
    public static Task JsonAsync(HttpContext context, string json, int status = 200)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(json);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(TimeSpan.FromSeconds(2));
        _host.Dispose();
    }
}
