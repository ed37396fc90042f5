using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;

namespace Portal.Tests.Notifications;

/// <summary>Nothing is lost across a restart, and several instances share the outbox without sending a message twice or out of order.</summary>
public sealed class RestartDeliveryTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task A_message_committed_before_the_app_is_killed_is_delivered_after_the_restart_with_the_same_webhook_id()
    {
        await using var receiver = await HookReceiver.StartAsync();
        receiver.Respond = _ => 503; // the first instance never gets it through
        var start = DateTimeOffset.UtcNow;
        string webhookId;
        string secret;
        var first = new NotificationPortal(_database, start: start);
        try
        {
            await first.InitializeAsync();
            (_, secret) = await Hooks.SubscribeAsync(first.CreateApiClient(), receiver.Url, ["incident.declared"]);
            await ApiScenario.CreateAsync(first, count: 3);
            webhookId = (await receiver.NextAsync()).Header("webhook-id");
            await first.UntilAsync("SELECT attempts = 1 FROM outbox_messages");
        }
        finally
        {
            await first.DisposeAsync(); // the app is gone: host, dispatcher, connections
        }

        // The process is gone, the row is not: pending, its retry due after it was killed.
        Assert.Equal("pending", await _database.ScalarAsync<string>("SELECT status FROM outbox_messages"));
        receiver.Respond = _ => 200;
        var second = new NotificationPortal(_database, start: start.AddMinutes(5));
        try
        {
            await second.InitializeAsync();
            var redelivered = await receiver.NextAsync();
            Assert.Equal(webhookId, redelivered.Header("webhook-id"));
            Assert.True(Hooks.SignatureVerifies(redelivered, secret));
            await second.UntilAsync("SELECT status = 'delivered' AND attempts = 2 FROM outbox_messages");
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_instances_deliver_every_message_once_and_in_order_per_webhook()
    {
        await using var receiver = await HookReceiver.StartAsync();
        var a = new NotificationPortal(_database);
        var b = new NotificationPortal(_database);
        try
        {
            await a.InitializeAsync();
            await b.InitializeAsync();
            await DeliverOnBothAsync(receiver, a, b);
        }
        finally
        {
            await b.DisposeAsync();
            await a.DisposeAsync();
        }
    }

    private async Task DeliverOnBothAsync(HookReceiver receiver, NotificationPortal a, NotificationPortal b)
    {
        var scenario = await ApiScenario.CreateAsync(a, count: 30);
        await Hooks.SubscribeAsync(a.CreateApiClient(), receiver.Url, ["validator.status_changed"], networkId: scenario.NetworkId);
        var adminOnB = b.CreateApiClient();

        for (var seat = 0; seat < 30; seat++)
        {
            await Api.OkAsync(await (seat % 2 == 0 ? scenario.Admin : adminOnB).PostAsync(
                Api.Path($"{scenario.Base}/validators/{scenario.Keys[seat]}/status"), Api.Json(new { state = "acknowledged" })));
        }

        await a.UntilAsync("SELECT count(*) = 30 FROM outbox_messages WHERE status = 'delivered'");
        var expected = new List<string>();
        await using (var dataSource = _database.CreateDataSource())
        await using (var command = dataSource.CreateCommand("SELECT message_id FROM outbox_messages ORDER BY id"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                expected.Add(reader.GetString(0));
            }
        }

        Assert.Equal(expected, receiver.All.Select(h => h.Header("webhook-id")));
        Assert.Equal(scenario.Keys, receiver.All.Select(h => Hooks.Parse(h).GetProperty("data").GetProperty("key").GetString()!));
    }
}
