using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web;

/// <summary>What a fragment costs on the wire: its HTML as JSON text, not six bytes per angle bracket or quote.</summary>
public sealed class FragmentWireTests(DemoPortalFactory portal) : IClassFixture<DemoPortalFactory>
{
    private const char Separator = '\u001e';

    [Fact]
    public async Task Fragments_carry_their_html_without_unicode_escapes_and_the_client_reads_the_same_html()
    {
        var incident = await DemoIncident.LoadAsync(portal);
        var key = (await portal.Database.ScalarAsync<string>(
            $"SELECT v.key FROM validators v JOIN incident_validators iv ON iv.validator_id = v.id WHERE iv.incident_id = '{incident.Id}' AND iv.state = 'Pending' ORDER BY v.name LIMIT 1"))!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var socket = await portal.Server.CreateWebSocketClient().ConnectAsync(new Uri("ws://localhost/hubs/incidents"), timeout.Token);
        await SendAsync(socket, "{\"protocol\":\"json\",\"version\":1}" + Separator, timeout.Token);
        await SendAsync(socket, $"{{\"type\":1,\"invocationId\":\"1\",\"target\":\"Subscribe\",\"arguments\":[\"{incident.Id}\"]}}" + Separator, timeout.Token);
        await NextAsync(socket, "\"type\":3", timeout.Token);
        await using var watcher = await HubWatcher.ConnectAsync(portal);
        await watcher.InvokeAsync("Subscribe", incident.Id);

        var response = await portal.CreateApiClient().PostAsJsonAsync(new Uri($"/api/v1/incidents/{incident.Id}/validators/{key}/status", UriKind.Relative), new { state = "acknowledged" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var raw = await NextAsync(socket, $"\"target\":\"validator-{key}\"", timeout.Token);
        var decoded = await watcher.NextAsync("fragment", where: f => f.GetProperty("target").GetString() == "validator-" + key);

        Assert.Contains("\"html\":\"<tr id=\\\"validator-" + key + "\\\"", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u003C", raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\\u003E", raw, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("<tr id=\"validator-" + key + "\"", decoded.GetProperty("html").GetString(), StringComparison.Ordinal);
    }

    private static Task SendAsync(WebSocket socket, string text, CancellationToken cancellationToken) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    /// <summary>The next SignalR record (one JSON message) that contains <paramref name="marker"/>.</summary>
    private static async Task<string> NextAsync(WebSocket socket, string marker, CancellationToken cancellationToken)
    {
        var pending = new StringBuilder();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            pending.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            var text = pending.ToString();
            int end;
            while ((end = text.IndexOf(Separator, StringComparison.Ordinal)) >= 0)
            {
                var record = text[..end];
                text = text[(end + 1)..];
                if (record.Contains(marker, StringComparison.Ordinal))
                {
                    return record;
                }
            }

            pending.Clear().Append(text);
        }
    }
}
