using System.Net;
using System.Text.Json;
using Portal.Tests.Web.Api;

namespace Portal.Tests.Notifications;

/// <summary>Generic webhooks end to end: real receivers on loopback, the events of the use cases, signing, formats, retries.</summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private static readonly string[] QuorumReached = ["quorum.reached"];
    private readonly NotificationPortal _portal = new();

    public Task InitializeAsync() => _portal.InitializeAsync();

    public Task DisposeAsync() => _portal.DisposeAsync();

    [Fact]
    public async Task A_standard_delivery_carries_the_headers_and_a_signature_an_independent_hmac_verifies()
    {
        await using var receiver = await HookReceiver.StartAsync();
        var admin = _portal.CreateApiClient();
        var (id, secret) = await Hooks.SubscribeAsync(admin, receiver.Url, ["incident.declared"]);
        var before = _portal.Clock.GetUtcNow();

        var scenario = await ApiScenario.CreateAsync(_portal, count: 4);
        var hook = await receiver.NextAsync();

        Assert.Matches("^msg_[0-9a-f]{32}$", hook.Header("webhook-id"));
        Assert.Equal(before.ToUnixTimeSeconds(), long.Parse(hook.Header("webhook-timestamp"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(Hooks.SignatureVerifies(hook, secret), $"signature {hook.Header("webhook-signature")} does not verify");
        Assert.False(Hooks.SignatureVerifies(hook with { Body = hook.Body + " " }, secret));
        Assert.StartsWith("application/json", hook.Header("content-type"), StringComparison.Ordinal);
        var body = Hooks.Parse(hook);
        Assert.Equal(["type", "timestamp", "data"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("incident.declared", body.GetProperty("type").GetString());
        Assert.Equal(scenario.IncidentId, body.GetProperty("data").GetProperty("incidentId").GetGuid());
        Assert.Equal(scenario.NetworkId, body.GetProperty("data").GetProperty("network").GetProperty("id").GetGuid());
        Assert.Equal(Api.HaltHeight, body.GetProperty("data").GetProperty("haltHeight").GetInt64());
        Assert.True(DateTimeOffset.TryParse(body.GetProperty("timestamp").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));

        await _portal.UntilAsync($"SELECT count(*) = 1 FROM outbox_messages WHERE subscription_id = '{id}' AND status = 'delivered'");
        var delivery = Assert.Single(await Hooks.DeliveriesAsync(admin, id));
        Assert.Equal(hook.Header("webhook-id"), delivery.GetProperty("id").GetString());
        Assert.Equal("incident.declared", delivery.GetProperty("event").GetString());
        Assert.Equal("delivered", delivery.GetProperty("status").GetString());
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(200, delivery.GetProperty("responseCode").GetInt32());
        Assert.Equal(JsonValueKind.String, delivery.GetProperty("lastAttemptAt").ValueKind);
    }

    [Fact]
    public async Task Slack_gets_text_and_discord_gets_content_with_a_link_into_the_portal()
    {
        await using var slack = await HookReceiver.StartAsync();
        await using var discord = await HookReceiver.StartAsync();
        var admin = _portal.CreateApiClient();
        await Hooks.SubscribeAsync(admin, slack.Url, ["incident.declared"], format: "slack");
        await Hooks.SubscribeAsync(admin, discord.Url, ["incident.declared"], format: "discord");

        var scenario = await ApiScenario.CreateAsync(_portal, count: 4);
        var fromSlack = Hooks.Parse(await slack.NextAsync());
        var fromDiscord = Hooks.Parse(await discord.NextAsync());

        Assert.Equal(["text"], fromSlack.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["content"], fromDiscord.EnumerateObject().Select(p => p.Name));
        foreach (var text in new[] { fromSlack.GetProperty("text").GetString()!, fromDiscord.GetProperty("content").GetString()! })
        {
            Assert.Contains("CVM crash halts mainnet at block 1724747", text, StringComparison.Ordinal);
            Assert.Contains($"{NotificationPortal.PublicUrl}/incidents/{scenario.IncidentId}", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_event_of_the_use_cases_reaches_a_subscriber_of_everything_in_the_order_it_happened()
    {
        await using var receiver = await HookReceiver.StartAsync();
        var admin = _portal.CreateApiClient();
        var scenario = await ApiScenario.CreateAsync(_portal, count: 3);
        await Hooks.SubscribeAsync(admin, receiver.Url,
            ["incident.declared", "incident.status_changed", "release.published", "release.withdrawn", "validator.status_changed", "quorum.reached", "quorum.lost", "snapshot.published"],
            networkId: scenario.NetworkId);

        var release = await scenario.PublishReleaseAsync();
        await scenario.ReportAllAsync("ready", [0, 1, 2]);
        await scenario.ReportAllAsync("upgraded", [2]);
        await Api.OkAsync(await admin.PostAsync(Api.Path($"/api/v1/releases/{release}/withdraw"), Api.Json(new { reason = "Corrupts the state database on restart." })));

        var expected = new[]
        {
            "release.published",
            "validator.status_changed", "validator.status_changed", "validator.status_changed", "quorum.reached",
            "validator.status_changed", "quorum.lost",
            "release.withdrawn",
        };
        var got = new List<JsonElement>();
        foreach (var _ in expected)
        {
            got.Add(Hooks.Parse(await receiver.NextAsync()));
        }

        Assert.Equal(expected, got.Select(g => g.GetProperty("type").GetString()));
        var published = got[0].GetProperty("data");
        Assert.Equal(Api.Hotfix, published.GetProperty("version").GetString());
        var artifact = Assert.Single(published.GetProperty("artifacts").EnumerateArray());
        Assert.Equal("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", artifact.GetProperty("sha256").GetString());
        Assert.Contains("sha256sum -c", artifact.GetProperty("verifyCommand").GetString(), StringComparison.Ordinal);
        var ready = got[1].GetProperty("data");
        Assert.Equal(scenario.Keys[0], ready.GetProperty("key").GetString());
        Assert.Equal("pending", ready.GetProperty("from").GetString());
        Assert.Equal("ready", ready.GetProperty("to").GetString());
        Assert.Equal("0", got[4].GetProperty("data").GetProperty("stakeNeeded").GetString());
        // 2 of 3 equal stakes is exactly 2/3: "more than" needs one base unit more.
        Assert.Equal("1", got[6].GetProperty("data").GetProperty("stakeNeeded").GetString());

        // The status move goes out too (quorum was lost, so the commander overrides with a reason).
        await Api.OkAsync(await admin.PostAsync(Api.Path($"{scenario.Base}/status"), Api.Json(new { status = "resumed", reason = "Chain resumed with the remaining validators." })));
        var moved = Hooks.Parse(await receiver.NextAsync());
        Assert.Equal("incident.status_changed", moved.GetProperty("type").GetString());
        Assert.Equal("resumed", moved.GetProperty("data").GetProperty("to").GetString());
        Assert.True(moved.GetProperty("data").GetProperty("override").GetBoolean());
    }

    [Fact]
    public async Task The_outbox_row_is_written_with_the_change_and_only_for_subscriptions_of_that_network()
    {
        var admin = _portal.CreateApiClient();
        var scenario = await ApiScenario.CreateAsync(_portal, count: 3);
        var other = await ApiScenario.CreateAsync(_portal, count: 3);
        _ = other;
        // Nobody listens: the rows stay pending where the test can see them the moment the API answers.
        var (mine, _) = await Hooks.SubscribeAsync(admin, new Uri("http://127.0.0.1:9/never"), ["validator.status_changed"], networkId: scenario.NetworkId);
        var (all, _) = await Hooks.SubscribeAsync(admin, new Uri("http://127.0.0.1:9/never-either"), ["validator.status_changed"]);
        var (theirs, _) = await Hooks.SubscribeAsync(admin, new Uri("http://127.0.0.1:9/not-this"), ["validator.status_changed"], networkId: other.NetworkId);
        var (otherEvent, _) = await Hooks.SubscribeAsync(admin, new Uri("http://127.0.0.1:9/not-this-either"), ["release.published"], networkId: scenario.NetworkId);

        await scenario.ReportAllAsync("acknowledged", [1], version: null);

        async Task<long> RowsAsync(Guid subscription) => await _portal.Db.ScalarAsync<long>($"SELECT count(*) FROM outbox_messages WHERE subscription_id = '{subscription}'");
        Assert.Equal(1, await RowsAsync(mine));
        Assert.Equal(1, await RowsAsync(all));
        Assert.Equal(0, await RowsAsync(theirs));
        Assert.Equal(0, await RowsAsync(otherEvent));

        // A refused change (an illegal move) writes no notification at all.
        var before = await _portal.Db.ScalarAsync<long>("SELECT count(*) FROM outbox_messages");
        var refused = await Api.SendAsync(admin, HttpMethod.Post, $"{scenario.Base}/validators/{scenario.Keys[1]}/status", new { state = "pending" });
        Assert.True(refused.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.BadRequest, refused.StatusCode.ToString());
        Assert.Equal(before, await _portal.Db.ScalarAsync<long>("SELECT count(*) FROM outbox_messages"));
    }

    [Fact]
    public async Task A_failing_receiver_is_retried_with_back_off_then_marked_failed_and_later_messages_wait_their_turn()
    {
        await using var receiver = await HookReceiver.StartAsync();
        receiver.Respond = _ => 503;
        var admin = _portal.CreateApiClient();
        var scenario = await ApiScenario.CreateAsync(_portal, count: 3);
        var (id, _) = await Hooks.SubscribeAsync(admin, receiver.Url, ["validator.status_changed"], networkId: scenario.NetworkId);
        await scenario.ReportAllAsync("acknowledged", [0, 1], version: null);
        var first = await _portal.Db.ScalarAsync<long>($"SELECT min(id) FROM outbox_messages WHERE subscription_id = '{id}'");
        var second = await _portal.Db.ScalarAsync<long>($"SELECT max(id) FROM outbox_messages WHERE subscription_id = '{id}'");
        var created = _portal.Clock.GetUtcNow();

        var gaps = new List<TimeSpan>();
        var attempts = 0;
        while (true)
        {
            await _portal.UntilAsync($"SELECT attempts > {attempts} FROM outbox_messages WHERE id = {first}");
            attempts = await _portal.Db.ScalarAsync<int>($"SELECT attempts FROM outbox_messages WHERE id = {first}");
            // Read together: while the first is still pending, the second has never been tried.
            Assert.False(await _portal.Db.ScalarAsync<bool>(
                $"SELECT f.status = 'pending' AND s.attempts > 0 FROM outbox_messages f, outbox_messages s WHERE f.id = {first} AND s.id = {second}"));
            if (await _portal.Db.ScalarAsync<string>($"SELECT status FROM outbox_messages WHERE id = {first}") == "failed")
            {
                break;
            }

            var next = await _portal.Db.ScalarAsync<DateTime>($"SELECT next_attempt_at FROM outbox_messages WHERE id = {first}");
            var last = await _portal.Db.ScalarAsync<DateTime>($"SELECT last_attempt_at FROM outbox_messages WHERE id = {first}");
            gaps.Add(next - last);
            _portal.MoveTo(new DateTimeOffset(next, TimeSpan.Zero));
            Assert.True(attempts < 200, "never gave up");
        }

        var lastAttempt = await _portal.Db.ScalarAsync<DateTime>($"SELECT last_attempt_at FROM outbox_messages WHERE id = {first}");
        Assert.True(new DateTimeOffset(lastAttempt, TimeSpan.Zero) - created >= TimeSpan.FromHours(24), $"gave up after {new DateTimeOffset(lastAttempt, TimeSpan.Zero) - created}");
        Assert.True(gaps[0] <= TimeSpan.FromMinutes(1), $"first retry after {gaps[0]}");
        Assert.All(gaps, g => Assert.True(g <= TimeSpan.FromHours(1), $"a gap of {g}"));
        Assert.True(gaps[3] > gaps[0] * 4, "the delays grow");
        Assert.Equal(attempts, receiver.All.Count(h => h.Header("webhook-id") == receiver.All.First().Header("webhook-id")));

        // Now the failed one is out of the way, the next message of this webhook goes. It was written as long ago as
        // the first, so its first failure is past the horizon too: failed after one attempt.
        await _portal.UntilAsync($"SELECT attempts = 1 AND status = 'failed' FROM outbox_messages WHERE id = {second}");
        var deliveries = await Hooks.DeliveriesAsync(admin, id);
        Assert.Equal([1, attempts], deliveries.Select(d => d.GetProperty("attempts").GetInt32())); // newest first
        Assert.All(deliveries, d => Assert.Equal("failed", d.GetProperty("status").GetString()));
        Assert.All(deliveries, d => Assert.Equal(503, d.GetProperty("responseCode").GetInt32()));
    }

    [Fact]
    public async Task A_receiver_that_hangs_does_not_hold_up_another_destination()
    {
        await using var hanging = await HookReceiver.StartAsync();
        await using var healthy = await HookReceiver.StartAsync();
        hanging.Respond = _ => null;
        var admin = _portal.CreateApiClient();
        var scenario = await ApiScenario.CreateAsync(_portal, count: 3);
        await Hooks.SubscribeAsync(admin, hanging.Url, ["validator.status_changed"], networkId: scenario.NetworkId);
        await scenario.ReportAllAsync("acknowledged", [0], version: null);
        await hanging.NextAsync(); // its request is open and unanswered from here on

        await Hooks.SubscribeAsync(admin, healthy.Url, ["validator.status_changed"], networkId: scenario.NetworkId);
        await scenario.ReportAllAsync("acknowledged", [1], version: null);
        var hook = await healthy.NextAsync();

        Assert.Equal(scenario.Keys[1], Hooks.Parse(hook).GetProperty("data").GetProperty("key").GetString());
        Assert.Single(hanging.All); // still the one open request: nothing answered it
    }

    [Fact]
    public async Task A_redirect_is_not_followed_and_counts_as_a_failed_attempt()
    {
        await using var redirecting = await HookReceiver.StartAsync();
        await using var target = await HookReceiver.StartAsync();
        redirecting.Respond = _ => 307;
        redirecting.ResponseHeaders["Location"] = target.Url.ToString();
        var admin = _portal.CreateApiClient();
        var scenario = await ApiScenario.CreateAsync(_portal, count: 3);
        var (id, _) = await Hooks.SubscribeAsync(admin, redirecting.Url, ["validator.status_changed"], networkId: scenario.NetworkId);

        await scenario.ReportAllAsync("acknowledged", [0], version: null);
        await _portal.UntilAsync($"SELECT attempts = 1 FROM outbox_messages WHERE subscription_id = '{id}'");

        var delivery = Assert.Single(await Hooks.DeliveriesAsync(admin, id));
        Assert.Equal("pending", delivery.GetProperty("status").GetString());
        Assert.Equal(307, delivery.GetProperty("responseCode").GetInt32());
        Assert.Single(redirecting.All);
        Assert.Empty(target.All);
    }

    [Fact]
    public async Task Deleting_a_webhook_answers_204_and_its_deliveries_are_gone()
    {
        var admin = _portal.CreateApiClient();
        var (id, _) = await Hooks.SubscribeAsync(admin, new Uri("http://127.0.0.1:9/x"), ["quorum.reached"]);
        var listed = await Api.OkAsync(await admin.GetAsync(Api.Path("/api/v1/webhooks")));
        var entry = Assert.Single(listed.EnumerateArray(), w => w.GetProperty("id").GetGuid() == id);
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("secret").ValueKind); // shown once, at creation

        var deleted = await admin.DeleteAsync(Api.Path($"/api/v1/webhooks/{id}"));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await Api.ProblemAsync(await admin.DeleteAsync(Api.Path($"/api/v1/webhooks/{id}")), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await admin.GetAsync(Api.Path($"/api/v1/webhooks/{id}/deliveries")), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Commanders_may_manage_webhooks_other_roles_may_not()
    {
        var scenario = await ApiScenario.CreateAsync(_portal, count: 3);
        var commander = await scenario.ClientAsync("commander");
        var (id, secret) = await Hooks.SubscribeAsync(commander, new Uri("http://127.0.0.1:9/c"), ["quorum.reached"], networkId: scenario.NetworkId);
        Assert.Matches("^whsec_[A-Za-z0-9+/]+={0,2}$", secret);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        Assert.Equal(HttpStatusCode.NoContent, (await commander.DeleteAsync(Api.Path($"/api/v1/webhooks/{id}"))).StatusCode);

        foreach (var role in new[] { "operator", "observer", "coredev" })
        {
            var client = await scenario.ClientAsync(role);
            var response = await client.PostAsync(Api.Path("/api/v1/webhooks"), Api.Json(new { url = "http://127.0.0.1:9/x", events = QuorumReached }));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(Api.Path("/api/v1/webhooks"))).StatusCode);
        }

        var anonymous = _portal.CreateApiClient(token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(Api.Path("/api/v1/webhooks"))).StatusCode);
    }

    [Fact]
    public async Task Secrets_and_webhook_urls_never_reach_the_logs()
    {
        await using var receiver = await HookReceiver.StartAsync();
        receiver.Respond = _ => 500;
        var admin = _portal.CreateApiClient();
        var scenario = await ApiScenario.CreateAsync(_portal, count: 3);
        var tokenPath = "/services/T0000/B0000/" + Guid.NewGuid().ToString("N");
        var slackUrl = new Uri(receiver.Url, tokenPath);
        var (id, secret) = await Hooks.SubscribeAsync(admin, slackUrl, ["validator.status_changed"], networkId: scenario.NetworkId, format: "slack");
        var (signed, signingSecret) = await Hooks.SubscribeAsync(admin, receiver.Url, ["validator.status_changed"], networkId: scenario.NetworkId);
        await scenario.ReportAllAsync("acknowledged", [0], version: null);
        await _portal.UntilAsync($"SELECT count(*) = 2 FROM outbox_messages WHERE subscription_id IN ('{id}', '{signed}') AND attempts >= 1");

        Assert.NotEmpty(_portal.Logs.Lines);
        Assert.True(_portal.Logs.Contains("failed on attempt 1"), "the failures are logged");
        Assert.False(_portal.Logs.Contains(tokenPath), "a webhook URL (its token) was logged");
        Assert.False(_portal.Logs.Contains(secret[6..]), "a signing secret was logged");
        Assert.False(_portal.Logs.Contains(signingSecret[6..]), "a signing secret was logged");
    }

    [Fact]
    public async Task Readiness_shows_the_outbox_backlog_as_a_figure()
    {
        var admin = _portal.CreateApiClient();
        var scenario = await ApiScenario.CreateAsync(_portal, count: 3);
        var (id, _) = await Hooks.SubscribeAsync(admin, new Uri("http://127.0.0.1:9/nobody-listens"), ["validator.status_changed"], networkId: scenario.NetworkId);
        await scenario.ReportAllAsync("acknowledged", [0], version: null);
        await _portal.UntilAsync($"SELECT attempts >= 1 FROM outbox_messages WHERE subscription_id = '{id}'");

        var response = await _portal.CreateClient().GetAsync(Api.Path("/readyz"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var outbox = body.RootElement.GetProperty("checks").GetProperty("outbox");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Matches(@"^[1-9]\d* pending \(oldest \d+ min\), \d+ failed in the last 24 h$", outbox.GetProperty("description").GetString());
    }
}
