using System.Net;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Time.Testing;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using Portal.Web.Features.Paging;

namespace Portal.Tests.Paging;

/// <summary>A portal on a fake clock whose reminder sweep the test runs by hand.</summary>
public sealed class SweepPortalFactory : PortalFactory
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Portal:Telegram:BotToken", "123:test-bot-token"),
        new("Portal:Paging:SweepEnabled", "false"),
        new("Portal:PublicUrl", "https://portal.example"),
    ];

    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    public async Task<SweepResult> SweepAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PagingSweeper>().SweepAsync();
    }
}

/// <summary>Reminders and escalation applied by the sweep, with time moved by <see cref="FakeTimeProvider"/>.</summary>
public sealed class PagingSweepTests(SweepPortalFactory portal) : IClassFixture<SweepPortalFactory>
{
    /// <summary>Quiet hours for <paramref name="zone"/> that contain (or avoid) the fake clock's present moment there.</summary>
    private (int Start, int End) QuietSpan(string zone, bool quietNow)
    {
        var local = TimeZoneInfo.ConvertTime(portal.Clock.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById(zone));
        var minute = (local.Hour * 60) + local.Minute;
        return quietNow ? ((minute + 1440 - 180) % 1440, (minute + 180) % 1440) : ((minute + 360) % 1440, (minute + 420) % 1440);
    }

    private async Task<TestUser> UserWithTelegramAsync(string role, string chat, string zone = "UTC", bool quietNow = false, IReadOnlyList<Guid>? validators = null)
    {
        var user = await TestUsers.CreateAsync(portal, [role], validators);
        var (start, end) = QuietSpan(zone, quietNow);
        await portal.Database.ExecuteAsync($"""
            INSERT INTO notification_settings (user_id, telegram_chat_id, time_zone, quiet_start_minute, quiet_end_minute, updated_at)
            VALUES ('{user.Id}', '{chat}', '{zone}', {start}, {end}, now())
            """);
        return user;
    }

    private async Task<long> OutboxCountAsync(string chat, string eventType) =>
        await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM outbox_messages WHERE kind = 'telegram' AND address = '{chat}' AND event_type = '{eventType}'");

    [Fact]
    public async Task Pending_validators_are_reminded_30_minutes_after_publishing_then_every_60_outside_quiet_hours()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var awake = $"@awake{tag}";
        var asleep = $"@asleep{tag}";
        await UserWithTelegramAsync("operator", awake, "UTC", quietNow: false, [await scenario.ValidatorIdAsync(1)]);
        await UserWithTelegramAsync("operator", asleep, "Asia/Tokyo", quietNow: true, [await scenario.ValidatorIdAsync(2)]);
        await scenario.PublishReleaseAsync();

        portal.Clock.Advance(TimeSpan.FromMinutes(29));
        await portal.SweepAsync();
        Assert.Equal(0, await OutboxCountAsync(awake, "validator.reminded"));

        portal.Clock.Advance(TimeSpan.FromMinutes(1));
        await portal.SweepAsync();
        Assert.Equal(1, await OutboxCountAsync(awake, "validator.reminded"));
        Assert.Equal(0, await OutboxCountAsync(asleep, "validator.reminded"));
        var entry = (await scenario.TimelineAsync())[^1];
        Assert.Equal("validator-reminded", entry.GetProperty("kind").GetString());
        Assert.Equal($"Reminded 1 operator of 1 pending validator about hotfix {Api.Hotfix}: Validator 01.", entry.GetProperty("summary").GetString());

        // Not again within the hour; again after it.
        portal.Clock.Advance(TimeSpan.FromMinutes(59));
        await portal.SweepAsync();
        Assert.Equal(1, await OutboxCountAsync(awake, "validator.reminded"));
        portal.Clock.Advance(TimeSpan.FromMinutes(1));
        await portal.SweepAsync();
        Assert.Equal(2, await OutboxCountAsync(awake, "validator.reminded"));
        Assert.Equal(0, await OutboxCountAsync(asleep, "validator.reminded"));

        // A validator that reports is no longer reminded.
        await Api.OkAsync(await scenario.ReportAsync(scenario.Admin, 1, "acknowledged"));
        portal.Clock.Advance(TimeSpan.FromMinutes(60));
        await portal.SweepAsync();
        Assert.Equal(2, await OutboxCountAsync(awake, "validator.reminded"));
    }

    [Fact]
    public async Task An_explicit_page_ignores_quiet_hours()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var chat = $"@sleepy{Guid.NewGuid().ToString("N")[..6]}";
        await UserWithTelegramAsync("operator", chat, "Asia/Tokyo", quietNow: true, [await scenario.ValidatorIdAsync(3)]);
        var commander = await scenario.ClientAsync("commander");

        await Api.OkAsync(await Api.SendAsync(commander, HttpMethod.Post, $"{scenario.Base}/validators/{scenario.Keys[3]}/page", new { }), HttpStatusCode.Accepted);

        Assert.Equal(1, await OutboxCountAsync(chat, "validator.paged"));
    }

    [Fact]
    public async Task An_unanswered_page_escalates_after_15_minutes_to_secondary_contacts_and_the_commander_once()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var validatorId = await scenario.ValidatorIdAsync(4);
        var owner = await UserWithTelegramAsync("operator", $"@owner{tag}", validators: [validatorId]);
        var deputy = await UserWithTelegramAsync("operator", $"@deputy{tag}", "Asia/Tokyo", quietNow: true);
        var teamLead = await UserWithTelegramAsync("observer", $"@lead{tag}");
        var commander = await UserWithTelegramAsync("commander", $"@cmd{tag}");
        await portal.Database.ExecuteAsync($"""
            INSERT INTO secondary_contacts (id, user_id, validator_id, contact_user_id, created_at) VALUES
              ('{Guid.NewGuid()}', '{owner.Id}', NULL, '{deputy.Id}', now()),
              ('{Guid.NewGuid()}', NULL, '{validatorId}', '{teamLead.Id}', now())
            """);
        var commanderClient = portal.CreateApiClient(commander.Token);
        await Api.OkAsync(await Api.SendAsync(commanderClient, HttpMethod.Post, $"{scenario.Base}/validators/{scenario.Keys[4]}/page", new { message = "Need you now" }), HttpStatusCode.Accepted);

        portal.Clock.Advance(TimeSpan.FromMinutes(14));
        await portal.SweepAsync();
        Assert.Equal(0, await OutboxCountAsync($"@deputy{tag}", "page.escalated"));

        portal.Clock.Advance(TimeSpan.FromMinutes(1));
        await portal.SweepAsync();
        Assert.Equal(1, await OutboxCountAsync($"@deputy{tag}", "page.escalated"));
        Assert.Equal(1, await OutboxCountAsync($"@lead{tag}", "page.escalated"));
        Assert.Equal(1, await OutboxCountAsync($"@cmd{tag}", "page.escalated"));
        Assert.Equal(0, await OutboxCountAsync($"@owner{tag}", "page.escalated"));
        var entry = (await scenario.TimelineAsync())[^1];
        Assert.Equal("page-escalated", entry.GetProperty("kind").GetString());
        Assert.Contains($"escalated to secondary contacts {string.Join(", ", new[] { deputy.UserName, teamLead.UserName }.Order(StringComparer.Ordinal))} and the commander {commander.UserName} by telegram.", entry.GetProperty("summary").GetString(), StringComparison.Ordinal);

        portal.Clock.Advance(TimeSpan.FromMinutes(30));
        await portal.SweepAsync();
        Assert.Equal(1, await OutboxCountAsync($"@cmd{tag}", "page.escalated"));
    }

    [Fact]
    public async Task An_answered_page_does_not_escalate()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var (_, operatorClient) = await scenario.OperatorAsync(5);
        var commander = await UserWithTelegramAsync("commander", $"@cmd{tag}");
        await Api.OkAsync(await Api.SendAsync(portal.CreateApiClient(commander.Token), HttpMethod.Post, $"{scenario.Base}/validators/{scenario.Keys[5]}/page", new { }), HttpStatusCode.Accepted);
        portal.Clock.Advance(TimeSpan.FromMinutes(5));
        await Api.OkAsync(await scenario.ReportAsync(operatorClient, 5, "acknowledged"));

        portal.Clock.Advance(TimeSpan.FromMinutes(20));
        await portal.SweepAsync();

        Assert.Equal(0, await OutboxCountAsync($"@cmd{tag}", "page.escalated"));
        Assert.Contains(await scenario.TimelineAsync(), e => e.GetProperty("kind").GetString() == "page-answered"
            && e.GetProperty("summary").GetString()!.Contains("5 minutes later", StringComparison.Ordinal));
    }
}
