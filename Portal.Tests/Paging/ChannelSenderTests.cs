using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Paging;

namespace Portal.Tests.Paging;

/// <summary>The Telegram and PagerDuty senders against a real HTTP receiver on a loopback port: exact paths and bodies.</summary>
public sealed class ChannelSenderTests
{
    private sealed class Clients : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new();
    }

    private static Task<FakeRpc> ReceiverAsync(int status = 200, string answer = """{"ok":true}""") =>
        FakeRpc.StartAsync(async (context, _) =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer);
        });

    private static (string Path, string Body) Single(FakeRpc receiver)
    {
        var request = Assert.Single(receiver.Requests);
        var space = request.IndexOf(' ', StringComparison.Ordinal);
        return (request[..space], request[(space + 1)..]);
    }

    [Fact]
    public async Task Telegram_posts_sendMessage_with_chat_id_and_plain_text_to_the_bot_path()
    {
        await using var receiver = await ReceiverAsync();
        var sender = new TelegramSender(new Clients(), new TelegramOptions { BaseUrl = receiver.Url.ToString(), BotToken = "123456:ABC-secret" });

        await sender.SendAsync(new TelegramMessage("-1001234567890", "Page: Validator 04\n\nReport your state: https://portal.example/x"));

        var (path, body) = Single(receiver);
        Assert.Equal("/bot123456:ABC-secret/sendMessage", path);
        Assert.Equal("""{"chat_id":"-1001234567890","text":"Page: Validator 04\n\nReport your state: https://portal.example/x"}""", body);
    }

    [Fact]
    public async Task Telegram_refusal_carries_the_description_and_status_but_never_the_token()
    {
        await using var receiver = await ReceiverAsync(400, """{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}""");
        var sender = new TelegramSender(new Clients(), new TelegramOptions { BaseUrl = receiver.Url.ToString(), BotToken = "999:very-secret-token" });

        var error = await Assert.ThrowsAsync<ChannelDeliveryException>(() => sender.SendAsync(new TelegramMessage("42", "hi")));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.True(error.Permanent);
        Assert.Contains("chat not found", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret-token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Telegram_cuts_a_message_over_4096_characters_without_splitting_a_character()
    {
        await using var receiver = await ReceiverAsync();
        var sender = new TelegramSender(new Clients(), new TelegramOptions { BaseUrl = receiver.Url.ToString(), BotToken = "1:t" });

        await sender.SendAsync(new TelegramMessage("42", new string('a', 4095) + "😀😀"));

        var text = JsonDocument.Parse(Single(receiver).Body).RootElement.GetProperty("text").GetString()!;
        Assert.True(text.Length <= TelegramSender.TextMax);
        Assert.False(char.IsHighSurrogate(text[^1]));
    }

    [Fact]
    public async Task PagerDuty_trigger_has_routing_key_action_dedup_key_payload_and_link()
    {
        await using var receiver = await ReceiverAsync(202, """{"status":"success","message":"Event processed","dedup_key":"x"}""");
        var sender = new PagerDutySender(new Clients(), new PagerDutyOptions { BaseUrl = receiver.Url.ToString() });
        var incident = Guid.Parse("0193a1b2-0000-7000-8000-000000000001");

        await sender.SendAsync(new PagerDutyEvent("R0UT1NGKEY0000000000000000000001", PagerDutyAction.Trigger, PagerDutySender.DedupKey(incident, "0xabc"),
            "Page: Validator 04 is needed", "https://portal.example/incidents/0193a1b2-0000-7000-8000-000000000001"));

        var (path, body) = Single(receiver);
        Assert.Equal("/v2/enqueue", path);
        Assert.Equal(
            """{"routing_key":"R0UT1NGKEY0000000000000000000001","event_action":"trigger","dedup_key":"portal/0193a1b2000070008000000000000001/0xabc","payload":{"summary":"Page: Validator 04 is needed","source":"validator-portal","severity":"critical"},"links":[{"href":"https://portal.example/incidents/0193a1b2-0000-7000-8000-000000000001","text":"Open in the portal"}]}""",
            body);
    }

    [Theory]
    [InlineData(PagerDutyAction.Acknowledge, "acknowledge")]
    [InlineData(PagerDutyAction.Resolve, "resolve")]
    public async Task PagerDuty_acknowledge_and_resolve_carry_only_routing_key_action_and_dedup_key(PagerDutyAction action, string name)
    {
        await using var receiver = await ReceiverAsync(202, "{}");
        var sender = new PagerDutySender(new Clients(), new PagerDutyOptions { BaseUrl = receiver.Url.ToString() });

        await sender.SendAsync(new PagerDutyEvent("R0UT1NGKEY0000000000000000000001", action, "portal/abc/0xdef"));

        var (path, body) = Single(receiver);
        Assert.Equal("/v2/enqueue", path);
        Assert.Equal($$"""{"routing_key":"R0UT1NGKEY0000000000000000000001","event_action":"{{name}}","dedup_key":"portal/abc/0xdef"}""", body);
    }

    [Fact]
    public async Task PagerDuty_rate_limit_is_retryable_and_a_bad_request_is_not()
    {
        await using var limited = await ReceiverAsync(429, "{}");
        await using var bad = await ReceiverAsync(400, """{"status":"invalid event"}""");
        var e = new PagerDutyEvent("R0UT1NGKEY0000000000000000000001", PagerDutyAction.Resolve, "portal/x");

        var retry = await Assert.ThrowsAsync<ChannelDeliveryException>(() => new PagerDutySender(new Clients(), new PagerDutyOptions { BaseUrl = limited.Url.ToString() }).SendAsync(e));
        var refused = await Assert.ThrowsAsync<ChannelDeliveryException>(() => new PagerDutySender(new Clients(), new PagerDutyOptions { BaseUrl = bad.Url.ToString() }).SendAsync(e));

        Assert.False(retry.Permanent);
        Assert.True(refused.Permanent);
    }
}
