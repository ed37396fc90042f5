using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Paging;
using Portal.Web.Features.Notifications;

namespace Portal.Web.Features.Paging;

/// <summary>The personal channels a page or reminder can travel on, by their API names.</summary>
public static class ChannelNames
{
    public const string Email = "email";
    public const string Telegram = "telegram";
    public const string PagerDuty = "pagerduty";
}

/// <summary>One message to one person on one channel (PagerDuty: one Events API call).</summary>
public sealed record Notice(string Channel, Guid? UserId, string Destination, string Subject, string Text, PagerDutyEvent? PagerDuty = null)
{
    /// <summary>The outbox row's event type: the page's, or <c>pagerduty.acknowledge</c> / <c>pagerduty.resolve</c>.</summary>
    public string EventType { get; init; } = PagerDuty is { Action: not PagerDutyAction.Trigger } e ? $"pagerduty.{e.Action.ToString().ToLowerInvariant()}" : NotificationEvents.ValidatorPaged;

    public Guid? IncidentId { get; init; }
}

/// <summary>
/// Where notices are written: in the same transaction as the change that causes them, so a page that commits is
/// delivered and one that rolls back is not.
/// </summary>
public interface INoticeOutbox
{
    Task EnqueueAsync(PortalDbContext db, IReadOnlyList<Notice> notices, CancellationToken cancellationToken = default);
}

/// <summary>Turns "tell these people this" into notices on each channel each of them set up.</summary>
public sealed class Recipients(PortalDbContext db, TelegramOptions telegram)
{
    /// <summary>The channel settings of <paramref name="userIds"/>; users who never saved any are absent.</summary>
    public async Task<IReadOnlyDictionary<Guid, NotificationSettings>> SettingsAsync(IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken) =>
        await db.NotificationSettings.AsNoTracking().Where(s => userIds.Contains(s.UserId)).ToDictionaryAsync(s => s.UserId, cancellationToken);

    /// <summary>E-mail (verified addresses only), Telegram (when the bot is set up) and the user's own PagerDuty service.</summary>
    public IEnumerable<Notice> For(NotificationSettings settings, string subject, string text, PagerDutyEvent? pagerDuty)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.VerifiedEmail is { } email)
        {
            yield return new Notice(ChannelNames.Email, settings.UserId, email, subject, text);
        }

        if (settings.TelegramChatId is { } chat && telegram.Enabled)
        {
            yield return new Notice(ChannelNames.Telegram, settings.UserId, chat, subject, $"{subject}\n\n{text}");
        }

        if (settings.PagerDutyRoutingKey is { } routingKey && pagerDuty is not null)
        {
            yield return new Notice(ChannelNames.PagerDuty, settings.UserId, routingKey, subject, text, pagerDuty with { RoutingKey = routingKey });
        }
    }
}

/// <summary>
/// Writes notices to the portal's outbox (<see cref="Outbox"/>), in the caller's transaction; the dispatcher delivers
/// them after commit through <see cref="TelegramNotificationSender"/>, <see cref="PagerDutyNotificationSender"/> and
/// the e-mail sender. PagerDuty's action and dedup key travel in the payload's <c>data.pagerDuty</c>.
/// </summary>
public sealed class OutboxNoticeWriter(TimeProvider clock) : INoticeOutbox
{
    public Task EnqueueAsync(PortalDbContext db, IReadOnlyList<Notice> notices, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notices);
        var now = clock.GetUtcNow();
        foreach (var notice in notices)
        {
            var data = new JsonObject { ["userId"] = notice.UserId?.ToString() };
            if (notice.PagerDuty is { } e)
            {
                data["pagerDuty"] = new JsonObject
                {
                    ["action"] = e.Action.ToString(),
                    ["dedupKey"] = e.DedupKey,
                    ["summary"] = e.Summary,
                    ["link"] = e.Link,
                };
            }

            Outbox.Enqueue(db, Destination.To(notice.Channel, notice.Destination), new Notification(notice.EventType, now, notice.Subject, notice.Text, data)
            {
                IncidentId = notice.IncidentId,
            });
        }

        return Task.CompletedTask;
    }

    /// <summary>The PagerDuty event a row carries, or null.</summary>
    public static PagerDutyEvent? PagerDutyOf(OutboxItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Payload.Data["pagerDuty"] is not JsonObject e)
        {
            return null;
        }

        return new PagerDutyEvent(item.Address ?? "", Enum.Parse<PagerDutyAction>((string)e["action"]!), (string)e["dedupKey"]!, (string?)e["summary"], (string?)e["link"]);
    }
}

/// <summary>Delivers the outbox's Telegram rows.</summary>
public sealed class TelegramNotificationSender(TelegramSender telegram) : INotificationSender
{
    public string Kind => DestinationKinds.Telegram;

    public async Task<DeliveryOutcome> SendAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        try
        {
            await telegram.SendAsync(new TelegramMessage(item.Address ?? "", item.Payload.Text), cancellationToken);
            return DeliveryOutcome.Delivered(200);
        }
        catch (ChannelDeliveryException ex)
        {
            return ex.Permanent ? DeliveryOutcome.GiveUp(ex.Message, (int?)ex.StatusCode) : DeliveryOutcome.Retry(ex.Message, (int?)ex.StatusCode);
        }
    }
}

/// <summary>Delivers the outbox's PagerDuty rows (Events API v2).</summary>
public sealed class PagerDutyNotificationSender(PagerDutySender pagerDuty) : INotificationSender
{
    public string Kind => DestinationKinds.PagerDuty;

    public async Task<DeliveryOutcome> SendAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        if (OutboxNoticeWriter.PagerDutyOf(item) is not { } e)
        {
            return DeliveryOutcome.GiveUp("The row carries no PagerDuty event.");
        }

        try
        {
            await pagerDuty.SendAsync(e, cancellationToken);
            return DeliveryOutcome.Delivered(202);
        }
        catch (ChannelDeliveryException ex)
        {
            return ex.Permanent ? DeliveryOutcome.GiveUp(ex.Message, (int?)ex.StatusCode) : DeliveryOutcome.Retry(ex.Message, (int?)ex.StatusCode);
        }
    }
}
