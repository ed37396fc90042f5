using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Paging;

namespace Portal.Web.Features.Paging;

/// <summary>The personal channels a page or reminder can travel on, by their API names.</summary>
public static class ChannelNames
{
    public const string Email = "email";
    public const string Telegram = "telegram";
    public const string PagerDuty = "pagerduty";
}

/// <summary>One message to one person on one channel (PagerDuty: one Events API call).</summary>
public sealed record Notice(string Channel, Guid? UserId, string Destination, string Subject, string Text, PagerDutyEvent? PagerDuty = null);

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
/// Keeps notices in memory instead of delivering them: the stand-in until a delivering outbox is registered, and
/// what tests read to see what would have gone out.
/// </summary>
public sealed class RecordingNoticeOutbox : INoticeOutbox
{
    private readonly List<Notice> _notices = [];

    public IReadOnlyList<Notice> Notices
    {
        get
        {
            lock (_notices)
            {
                return [.. _notices];
            }
        }
    }

    public Task EnqueueAsync(PortalDbContext db, IReadOnlyList<Notice> notices, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notices);
        lock (_notices)
        {
            _notices.AddRange(notices);
        }

        return Task.CompletedTask;
    }
}
