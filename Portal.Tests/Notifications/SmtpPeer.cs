using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Portal.Tests.Notifications;

/// <summary>A real SMTP server (the SmtpServer package) on a free loopback port, keeping every message it accepts.</summary>
public sealed class SmtpPeer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<MimeMessage> _arrivals = Channel.CreateUnbounded<MimeMessage>();
    private Task _running = Task.CompletedTask;

    public int Port { get; private set; }

    public List<MimeMessage> All { get; } = [];

    public static Task<SmtpPeer> StartAsync()
    {
        var peer = new SmtpPeer();
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            peer.Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }

        var options = new SmtpServerOptionsBuilder().ServerName("localhost").Port(peer.Port).Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(peer));
        var server = new SmtpServer.SmtpServer(options, services);
        peer._running = server.StartAsync(peer._stop.Token);
        return Task.FromResult(peer);
    }

    public async Task<MimeMessage> NextAsync(int seconds = 30)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            return await _arrivals.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"The SMTP server got no message within {seconds} s (it has {All.Count}).");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private sealed class Store(SmtpPeer peer) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            lock (peer.All)
            {
                peer.All.Add(message);
            }

            await peer._arrivals.Writer.WriteAsync(message, cancellationToken);
            return SmtpResponse.Ok;
        }
    }
}
