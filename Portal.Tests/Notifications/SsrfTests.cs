using System.Net;
using Portal.Tests.Web.Api;
using Portal.Web.Features.Notifications;

namespace Portal.Tests.Notifications;

/// <summary>
/// A portal as in production (private addresses refused): the API refuses such URLs, and a subscription that points
/// at one anyway (written before the rule, or a name re-pointed since) is refused again at connection time.
/// </summary>
public sealed class SsrfTests : IAsyncLifetime
{
    private static readonly string[] QuorumReached = ["quorum.reached"];
    private readonly NotificationPortal _portal = new(strict: true);

    public Task InitializeAsync() => _portal.InitializeAsync();

    public Task DisposeAsync() => _portal.DisposeAsync();

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://127.1/hook")]
    [InlineData("http://10.0.0.5/hook")]
    [InlineData("http://172.16.3.4/hook")]
    [InlineData("http://192.168.1.1/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://100.64.0.1/hook")]
    [InlineData("http://0.0.0.0/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[fe80::1]/hook")]
    [InlineData("http://[fd00::1]/hook")]
    [InlineData("http://[::ffff:127.0.0.1]/hook")]
    [InlineData("http://localhost:5080/hook")]
    [InlineData("http://api.localhost/hook")]
    [InlineData("ftp://hooks.example.com/hook")]
    [InlineData("file:///etc/passwd")]
    [InlineData("/relative/hook")]
    [InlineData("hooks.example.com/hook")]
    [InlineData("https://user:password@hooks.example.com/hook")]
    [InlineData("")]
    public async Task Urls_that_are_not_public_http_are_refused_with_400_naming_url(string url)
    {
        var response = await _portal.CreateApiClient().PostAsync(Api.Path("/api/v1/webhooks"), Api.Json(new { url, events = QuorumReached }));
        await Api.ProblemAsync(response, HttpStatusCode.BadRequest, "url");
        Assert.Equal(0, await _portal.Db.ScalarAsync<long>("SELECT count(*) FROM webhook_subscriptions"));
    }

    [Theory]
    [InlineData("""{"url": "https://hooks.example.com/x", "events": []}""", "events")]
    [InlineData("""{"url": "https://hooks.example.com/x"}""", "events")]
    [InlineData("""{"url": "https://hooks.example.com/x", "events": ["quorum.Reached"]}""", "events[0]")]
    [InlineData("""{"url": "https://hooks.example.com/x", "events": ["quorum.reached", "quorum.reached"]}""", "events[1]")]
    [InlineData("""{"url": "https://hooks.example.com/x", "events": ["quorum.reached "]}""", "events[0]")]
    [InlineData("""{"url": "https://hooks.example.com/x", "events": ["quorum.reached"], "format": "Slack"}""", "format")]
    [InlineData("""{"url": "https://hooks.example.com/x", "events": ["quorum.reached"], "format": "teams"}""", "format")]
    [InlineData("""{"url": "https://hooks.example.com/x", "events": ["quorum.reached"], "networkId": "00000000-0000-0000-0000-000000000001"}""", "networkId")]
    public async Task Bad_fields_are_400_naming_each(string body, string field)
    {
        var response = await _portal.CreateApiClient().PostAsync(Api.Path("/api/v1/webhooks"), Api.Json(body));
        await Api.ProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("""{"url": 5, "events": ["quorum.reached"]}""")]
    [InlineData("""{"url": "https://hooks.example.com/x", "events": "quorum.reached"}""")]
    [InlineData("""{"url": "https://hooks.example.com/x", "events": ["quorum.reached"], "networkId": "nope"}""")]
    [InlineData("""{"url": "https://hooks.example.com/x\u0000", "events": ["quorum.reached"]}""")]
    [InlineData("""{"url": "https://hooks.example.com/x", "events": ["quorum.reached"]""")]
    public async Task Malformed_bodies_are_400_never_500(string body)
    {
        var response = await _portal.CreateApiClient().PostAsync(Api.Path("/api/v1/webhooks"), Api.Json(body));
        await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task A_subscription_that_points_inside_is_refused_when_connecting_after_resolving_the_name(string host)
    {
        await using var receiver = await HookReceiver.StartAsync();
        var scenario = await ApiScenario.CreateAsync(_portal, count: 3);
        var id = Guid.NewGuid();
        var url = $"http://{host}:{receiver.Url.Port}/hook";
        await _portal.Db.ExecuteAsync($"""
            INSERT INTO webhook_subscriptions (id, url, events, format, network_id, secret, created_by, created_at)
            VALUES ('{id}', '{url}', '["validator.status_changed"]', 'standard', '{scenario.NetworkId}', '{StandardWebhookSignature.NewSecret()}', 'test', now())
            """);

        await scenario.ReportAllAsync("acknowledged", [0], version: null);
        await _portal.UntilAsync($"SELECT status = 'failed' FROM outbox_messages WHERE subscription_id = '{id}'");

        Assert.Empty(receiver.All);
        var error = await _portal.Db.ScalarAsync<string>($"SELECT last_error FROM outbox_messages WHERE subscription_id = '{id}'");
        Assert.Contains("private", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Public_addresses_pass_and_inside_ones_do_not()
    {
        Assert.True(WebhookAddresses.IsPublic(IPAddress.Parse("93.184.216.34")));
        Assert.True(WebhookAddresses.IsPublic(IPAddress.Parse("2606:2800:220:1:248:1893:25c8:1946")));
        Assert.True(WebhookAddresses.IsPublic(IPAddress.Parse("172.32.0.1")));
        foreach (var inside in new[] { "127.0.0.1", "10.1.2.3", "172.31.255.255", "192.168.0.1", "169.254.1.1", "100.100.0.1", "0.0.0.0", "224.0.0.1", "::1", "fe80::1", "fc00::1", "::ffff:10.0.0.1", "::" })
        {
            Assert.False(WebhookAddresses.IsPublic(IPAddress.Parse(inside)), inside);
        }
    }
}
