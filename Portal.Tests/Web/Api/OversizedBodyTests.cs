using System.Net.Sockets;
using System.Text;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web.Api;

/// <summary>The portal on real Kestrel (TestServer has no request body limit), for what only a real server does.</summary>
public sealed class KestrelPortalFactory : PortalFactory, IAsyncLifetime
{
    public KestrelPortalFactory() => UseKestrel(0);

    /// <summary>With Kestrel the base class's <c>Server</c> is unavailable: start the real server instead.</summary>
    public new async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        StartServer();
    }
}

/// <summary>
/// Oversized bodies, per API.md's conventions. Kestrel's default limit (30 MB) refuses them before any endpoint
/// runs; the answer must be a problem document, never a 500. (API.md asks for 400; Kestrel answers 413.)
/// </summary>
public sealed class OversizedBodyTests(KestrelPortalFactory portal) : IClassFixture<KestrelPortalFactory>
{
    /// <summary>Sends the head of a request announcing a 40 MB body plus its first 64 KB, and reads the answer.</summary>
    private async Task<string> SendOversizedAsync(string path, bool chunked)
    {
        var address = portal.CreateApiClient().BaseAddress!;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        var length = chunked ? "Transfer-Encoding: chunked" : $"Content-Length: {40L * 1024 * 1024}";
        var head = $"POST {path} HTTP/1.1\r\nHost: {address.Authority}\r\nAuthorization: Bearer {PortalFactory.AdminToken}\r\nContent-Type: application/json\r\n{length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var filler = Encoding.ASCII.GetBytes("{\"name\": \"" + new string('x', 64 * 1024));
        try
        {
            if (chunked)
            {
                // One long JSON string over 32 MB: nothing is malformed before the limit is passed.
                var more = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
                for (var i = 0; i < 520; i++)
                {
                    var chunk = i == 0 ? filler : more;
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n"));
                    await stream.WriteAsync(chunk);
                    await stream.WriteAsync("\r\n"u8.ToArray());
                }
            }
            else
            {
                await stream.WriteAsync(filler);
            }
        }
        catch (IOException)
        {
            // The server may answer and close before the rest is sent; its answer is still there to read.
        }

        var answer = new StringBuilder();
        var buffer = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
            if (answer.ToString().Contains("\r\n0\r\n\r\n", StringComparison.Ordinal))
            {
                break;
            }
        }

        return answer.ToString();
    }

    [Theory]
    [InlineData("/api/v1/networks", false)]
    [InlineData("/api/v1/networks", true)]
    [InlineData("/api/v1/incidents", false)]
    public async Task An_oversized_body_is_a_client_error_problem_never_a_500(string path, bool chunked)
    {
        var answer = await SendOversizedAsync(path, chunked);

        var status = answer.Split(' ', 3)[1];
        Assert.True(status is "400" or "413", answer);
        Assert.Contains("Content-Type: application/problem+json", answer, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0L, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM networks"));
    }
}
