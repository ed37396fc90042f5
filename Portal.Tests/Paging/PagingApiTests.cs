using System.Net;
using System.Text.Json;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using Portal.Web.Features.Paging;

namespace Portal.Tests.Paging;

/// <summary>A portal with a Telegram bot and the commanders' PagerDuty service set up, and a tight page limit.</summary>
public sealed class PagingPortalFactory : PortalFactory
{
    public const string CommandersKey = "C0MMANDERSKEY0000000000000000001";
    public const int PagesPerWindow = 4;

    private FakeRpc? _peer;

    /// <summary>The Telegram Bot API and PagerDuty Events API, both answered by one loopback receiver.</summary>
    public FakeRpc Peer => _peer ?? throw new InvalidOperationException("Not started.");

    protected override async Task BeforeStartAsync() =>
        _peer = await FakeRpc.StartAsync((context, _) => FakeRpc.JsonAsync(context, """{"ok":true}""", context.Request.Path.StartsWithSegments("/v2") ? 202 : 200));

    protected override async ValueTask AfterStopAsync()
    {
        if (_peer is not null)
        {
            await _peer.DisposeAsync();
        }
    }

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Portal:Telegram:BotToken", "123:test-bot-token"),
        new("Portal:Telegram:BaseUrl", Peer.Url.ToString()),
        new("Portal:PagerDuty:BaseUrl", Peer.Url.ToString()),
        new("Portal:Webhooks:AllowPrivateAddresses", "true"),
        new("Portal:PagerDuty:RoutingKey", CommandersKey),
        new("Portal:Paging:PagesPerWindow", PagesPerWindow.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Portal:Paging:SweepEnabled", "false"),
        new("Portal:PublicUrl", "https://portal.example"),
    ];

    /// <summary>Every paging notice in the outbox, read back from its rows.</summary>
    public IReadOnlyList<Notice> Notices
    {
        get
        {
            using var dataSource = Database.CreateDataSource();
            using var command = dataSource.CreateCommand("SELECT kind, address, payload::text FROM outbox_messages WHERE kind IN ('email', 'telegram', 'pagerduty') ORDER BY id");
            using var reader = command.ExecuteReader();
            var notices = new List<Notice>();
            while (reader.Read())
            {
                var payload = System.Text.Json.JsonDocument.Parse(reader.GetString(2)).RootElement;
                var data = payload.GetProperty("data");
                Guid? user = data.TryGetProperty("userId", out var u) && u.ValueKind == System.Text.Json.JsonValueKind.String ? u.GetGuid() : null;
                PagerDutyEvent? e = data.TryGetProperty("pagerDuty", out var p)
                    ? new PagerDutyEvent(reader.GetString(1), Enum.Parse<PagerDutyAction>(p.GetProperty("action").GetString()!), p.GetProperty("dedupKey").GetString()!,
                        p.TryGetProperty("summary", out var s) ? s.GetString() : null, p.TryGetProperty("link", out var l) ? l.GetString() : null)
                    : null;
                notices.Add(new Notice(reader.GetString(0), user, reader.GetString(1), payload.GetProperty("subject").GetString()!, payload.GetProperty("text").GetString()!, e));
            }

            return notices;
        }
    }
}

/// <summary>POST …/validators/{key}/page and …/page-needed per API.md v1.1 "Paging".</summary>
public sealed class PagingApiTests(PagingPortalFactory portal) : IClassFixture<PagingPortalFactory>
{
    private static readonly string[] PagedEvent = ["validator.paged"];

    private async Task<(TestUser User, HttpClient Client)> OperatorWithChannelsAsync(ApiScenario scenario, int seat, bool verified = true, string? routingKey = "0PERATORKEY000000000000000000001")
    {
        var (user, client) = await scenario.OperatorAsync(seat);
        await portal.Database.ExecuteAsync($"""
            INSERT INTO notification_settings (user_id, email, email_verified_at, telegram_chat_id, pagerduty_routing_key, time_zone, quiet_start_minute, quiet_end_minute, updated_at)
            VALUES ('{user.Id}', 'op{seat}-{user.Id:N}@example.org', {(verified ? "now()" : "NULL")}, '-100{seat}', {(routingKey is null ? "NULL" : $"'{routingKey}'")}, 'Asia/Shanghai', 1380, 420, now())
            """);
        return (user, client);
    }

    private static async Task<HttpClient> CommanderAsync(ApiScenario scenario) => await scenario.ClientAsync("commander");

    private static Task<HttpResponseMessage> PageAsync(HttpClient client, ApiScenario scenario, string key, object? body = null) =>
        Api.SendAsync(client, HttpMethod.Post, $"{scenario.Base}/validators/{key}/page", body ?? new { });

    [Fact]
    public async Task A_page_is_202_with_its_id_and_channels_reaches_every_channel_and_is_on_the_timeline()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var (user, _) = await OperatorWithChannelsAsync(scenario, 3);
        var commander = await CommanderAsync(scenario);
        var revision = await scenario.RevisionAsync();

        var answer = await Api.OkAsync(await PageAsync(commander, scenario, scenario.Keys[3], new { message = "Please upgrade now.\nThe fix is out." }), HttpStatusCode.Accepted);

        Assert.Equal(["channels", "pageId"], answer.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["email", "pagerduty", "telegram"], answer.GetProperty("channels").EnumerateArray().Select(c => c.GetString()));
        var pageId = answer.GetProperty("pageId").GetGuid();
        Assert.Equal(1, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM pages WHERE id = '{pageId}' AND answered_at IS NULL AND message LIKE 'Please upgrade now.%'"));
        Assert.True(await scenario.RevisionAsync() > revision);

        var last = (await scenario.TimelineAsync())[^1];
        Assert.Equal("validator-paged", last.GetProperty("kind").GetString());
        Assert.Equal("Paged Validator 03 (1 operator by email, pagerduty, telegram): Please upgrade now.\nThe fix is out.", last.GetProperty("summary").GetString());

        var mine = portal.Notices.Where(n => n.UserId == user.Id).ToList();
        Assert.Equal(["email", "pagerduty", "telegram"], mine.Select(n => n.Channel).Order(StringComparer.Ordinal));
        var telegram = mine.Single(n => n.Channel == "telegram");
        Assert.Equal("-1003", telegram.Destination);
        Assert.Contains("Please upgrade now.", telegram.Text, StringComparison.Ordinal);
        Assert.Contains($"https://portal.example/me/validators?incident={scenario.IncidentId}", telegram.Text, StringComparison.Ordinal);
        var trigger = mine.Single(n => n.Channel == "pagerduty").PagerDuty!;
        Assert.Equal((PagerDutyAction.Trigger, $"portal/{scenario.IncidentId:N}/{scenario.Keys[3]}", "0PERATORKEY000000000000000000001"), (trigger.Action, trigger.DedupKey, trigger.RoutingKey));
        Assert.Contains(portal.Notices, n => n.Destination == PagingPortalFactory.CommandersKey && n.PagerDuty is { Action: PagerDutyAction.Trigger } e && e.DedupKey == trigger.DedupKey);
    }

    [Fact]
    public async Task The_dispatcher_delivers_the_page_to_Telegram_and_PagerDuty_after_commit()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        await OperatorWithChannelsAsync(scenario, 9);

        await Api.OkAsync(await PageAsync(await CommanderAsync(scenario), scenario, scenario.Keys[9], new { message = "Wake up, please." }), HttpStatusCode.Accepted);

        var dedup = $"portal/{scenario.IncidentId:N}/{scenario.Keys[9]}";
        var telegram = await WaitForAsync(r => r.StartsWith("/bot123:test-bot-token/sendMessage ", StringComparison.Ordinal) && r.Contains("\"chat_id\":\"-1009\"", StringComparison.Ordinal));
        Assert.Contains("Wake up, please.", telegram, StringComparison.Ordinal);
        var trigger = await WaitForAsync(r => r.StartsWith("/v2/enqueue ", StringComparison.Ordinal) && r.Contains(dedup, StringComparison.Ordinal) && r.Contains("0PERATORKEY000000000000000000001", StringComparison.Ordinal));
        Assert.Contains("\"event_action\":\"trigger\"", trigger, StringComparison.Ordinal);
    }

    /// <summary>Waits (without a time assertion: the test run's own timeout bounds it) for the receiver to see a request.</summary>
    private async Task<string> WaitForAsync(Func<string, bool> match)
    {
        while (true)
        {
            if (portal.Peer.Requests.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_page_raises_validator_paged_for_webhook_subscribers()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        await Api.OkAsync(await Api.SendAsync(scenario.Admin, HttpMethod.Post, "/api/v1/webhooks",
            new { url = portal.Peer.Url + "hook", events = PagedEvent, networkId = scenario.NetworkId }), HttpStatusCode.Created);

        await Api.OkAsync(await PageAsync(await CommanderAsync(scenario), scenario, scenario.Keys[11]), HttpStatusCode.Accepted);

        var payload = await portal.Database.ScalarAsync<string>(
            $"SELECT payload::text FROM outbox_messages WHERE kind = 'webhook' AND event_type = 'validator.paged' AND incident_id = '{scenario.IncidentId}'");
        using var json = JsonDocument.Parse(payload!);
        Assert.Equal(scenario.Keys[11], json.RootElement.GetProperty("data").GetProperty("key").GetString());
    }

    [Fact]
    public async Task An_unverified_address_is_never_used()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var (user, _) = await OperatorWithChannelsAsync(scenario, 5, verified: false, routingKey: null);

        var answer = await Api.OkAsync(await PageAsync(await CommanderAsync(scenario), scenario, scenario.Keys[5]), HttpStatusCode.Accepted);

        Assert.Equal(["pagerduty", "telegram"], answer.GetProperty("channels").EnumerateArray().Select(c => c.GetString()));
        Assert.DoesNotContain(portal.Notices, n => n.UserId == user.Id && n.Channel == "email");
    }

    [Fact]
    public async Task The_validators_next_report_answers_the_page_on_the_timeline_and_acknowledges_in_PagerDuty()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var (user, operatorClient) = await OperatorWithChannelsAsync(scenario, 7);
        var pageId = (await Api.OkAsync(await PageAsync(await CommanderAsync(scenario), scenario, scenario.Keys[7]), HttpStatusCode.Accepted)).GetProperty("pageId").GetGuid();

        await Api.OkAsync(await scenario.ReportAsync(operatorClient, 7, "acknowledged"));

        Assert.Equal(1, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM pages WHERE id = '{pageId}' AND answered_at IS NOT NULL"));
        var last = (await scenario.TimelineAsync())[^1];
        Assert.Equal("page-answered", last.GetProperty("kind").GetString());
        Assert.StartsWith("Validator 07 answered the page sent by commander-", last.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("(now acknowledged).", last.GetProperty("summary").GetString(), StringComparison.Ordinal);
        var dedup = $"portal/{scenario.IncidentId:N}/{scenario.Keys[7]}";
        Assert.Contains(portal.Notices, n => n.UserId == user.Id && n.PagerDuty is { Action: PagerDutyAction.Acknowledge } e && e.DedupKey == dedup);
        Assert.Contains(portal.Notices, n => n.Destination == PagingPortalFactory.CommandersKey && n.PagerDuty is { Action: PagerDutyAction.Acknowledge } e && e.DedupKey == dedup);

        // Answered once: a later report adds no second answer.
        await Api.OkAsync(await scenario.ReportAsync(operatorClient, 7, "downloading"));
        Assert.Equal(1, (await scenario.TimelineAsync()).Count(e => e.GetProperty("kind").GetString() == "page-answered"));
    }

    [Fact]
    public async Task Unknown_validator_and_unknown_incident_are_404_operators_are_403_closed_incident_is_409()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var commander = await CommanderAsync(scenario);
        var (_, operatorClient) = await scenario.OperatorAsync(1);

        await Api.ProblemAsync(await PageAsync(commander, scenario, "0xnot-in-the-set"), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await Api.SendAsync(commander, HttpMethod.Post, $"/api/v1/incidents/{Guid.NewGuid()}/validators/{scenario.Keys[1]}/page", new { }), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Forbidden, (await PageAsync(operatorClient, scenario, scenario.Keys[1])).StatusCode);

        await Api.OkAsync(await Api.SendAsync(scenario.Admin, HttpMethod.Post, $"{scenario.Base}/status", new { status = "closed", reason = "Closed for the paging test, not reached." }));
        var closed = await Api.ProblemAsync(await PageAsync(commander, scenario, scenario.Keys[1]), HttpStatusCode.Conflict);
        Assert.Contains("closed", closed.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM pages WHERE incident_id = '{scenario.IncidentId}'"));
    }

    [Theory]
    [InlineData("line one\u0007bell")]
    [InlineData("\u200B\u200B")]
    public async Task A_message_with_control_characters_or_only_invisible_ones_is_400_naming_message(string message)
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        await Api.ProblemAsync(await PageAsync(await CommanderAsync(scenario), scenario, scenario.Keys[2], new { message }), HttpStatusCode.BadRequest, "message");
        Assert.Equal(0, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM pages WHERE incident_id = '{scenario.IncidentId}'"));
    }

    [Fact]
    public async Task A_message_over_the_limit_is_400_naming_message()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        await Api.ProblemAsync(await PageAsync(await CommanderAsync(scenario), scenario, scenario.Keys[2], new { message = new string('x', 2001) }), HttpStatusCode.BadRequest, "message");
    }

    [Fact]
    public async Task Paging_is_rate_limited_per_commander_with_429_and_Retry_After()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var commander = await CommanderAsync(scenario);
        for (var i = 0; i < PagingPortalFactory.PagesPerWindow; i++)
        {
            await Api.OkAsync(await PageAsync(commander, scenario, scenario.Keys[i]), HttpStatusCode.Accepted);
        }

        var limited = await PageAsync(commander, scenario, scenario.Keys[10]);

        await Api.ProblemAsync(limited, HttpStatusCode.TooManyRequests);
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal(PagingPortalFactory.PagesPerWindow, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM pages WHERE incident_id = '{scenario.IncidentId}'"));

        // Another commander is not held back by the first one's pages.
        await Api.OkAsync(await PageAsync(await CommanderAsync(scenario), scenario, scenario.Keys[10]), HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Page_all_needed_pages_exactly_the_smallest_closing_set()
    {
        // 24 validators of equal stake, strict 2/3: 17 are needed; 12 already ready leaves 5 to page.
        var scenario = await ApiScenario.CreateAsync(portal);
        await scenario.PublishReleaseAsync();
        await scenario.ReportAllAsync("ready", Enumerable.Range(0, 12));

        var answer = await Api.OkAsync(await Api.SendAsync(await CommanderAsync(scenario), HttpMethod.Post, $"{scenario.Base}/page-needed", new { message = "All hands." }), HttpStatusCode.Accepted);

        var keys = answer.GetProperty("pages").EnumerateArray().Select(p => p.GetProperty("key").GetString()!).ToList();
        Assert.Equal(5, keys.Count);
        Assert.All(keys, k => Assert.True(scenario.Keys.ToList().IndexOf(k) >= 12));
        Assert.Equal(5, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM pages WHERE incident_id = '{scenario.IncidentId}'"));
        Assert.Equal(5, (await scenario.TimelineAsync()).Count(e => e.GetProperty("kind").GetString() == "validator-paged"));
    }

    [Fact]
    public async Task Quorum_reached_resolves_the_PagerDuty_alerts_of_paged_validators()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        await scenario.PublishReleaseAsync();
        var (user, operatorClient) = await OperatorWithChannelsAsync(scenario, 20);
        await Api.OkAsync(await PageAsync(await CommanderAsync(scenario), scenario, scenario.Keys[20]), HttpStatusCode.Accepted);
        await Api.OkAsync(await scenario.ReportAsync(operatorClient, 20, "ready", Api.Hotfix));

        await scenario.ReportAllAsync("ready", Enumerable.Range(0, 17));

        Assert.True((await scenario.QuorumAsync()).GetProperty("reached").GetBoolean());
        var dedup = $"portal/{scenario.IncidentId:N}/{scenario.Keys[20]}";
        Assert.Contains(portal.Notices, n => n.UserId == user.Id && n.PagerDuty is { Action: PagerDutyAction.Resolve } e && e.DedupKey == dedup);
        Assert.Contains(portal.Notices, n => n.PagerDuty is { Action: PagerDutyAction.Resolve } e && e.DedupKey == $"portal/{scenario.IncidentId:N}" && e.RoutingKey == PagingPortalFactory.CommandersKey);
    }

    [Fact]
    public async Task Declaring_an_incident_triggers_the_commanders_PagerDuty_service()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        Assert.Contains(portal.Notices, n => n.PagerDuty is { Action: PagerDutyAction.Trigger } e && e.DedupKey == $"portal/{scenario.IncidentId:N}"
            && e.RoutingKey == PagingPortalFactory.CommandersKey && e.Link == $"https://portal.example/incidents/{scenario.IncidentId}");
    }

    [Fact]
    public async Task The_paging_endpoints_are_in_the_OpenAPI_document()
    {
        var document = await portal.CreateClient().GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        using var json = JsonDocument.Parse(document);
        var paths = json.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/incidents/{id}/validators/{key}/page", out _));
        Assert.True(paths.TryGetProperty("/api/v1/incidents/{id}/page-needed", out _));
    }
}
