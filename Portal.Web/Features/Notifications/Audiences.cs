using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Notifications;

namespace Portal.Web.Features.Notifications;

/// <summary>Webhook subscriptions of the event's network (or of every network) that asked for the event's type.</summary>
public sealed class WebhookAudience : INotificationAudience
{
    // One change may raise hundreds of events (a batch of reports): the subscriptions are read once per scope.
    private readonly Dictionary<Guid, List<WebhookSubscription>> _byNetwork = [];

    public async Task<IReadOnlyList<Destination>> DestinationsAsync(PortalDbContext db, Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(notification);
        var network = notification.NetworkId ?? Guid.Empty;
        if (!_byNetwork.TryGetValue(network, out var subscriptions))
        {
            subscriptions = await db.WebhookSubscriptions.AsNoTracking()
                .Where(s => s.NetworkId == null || s.NetworkId == notification.NetworkId)
                .OrderBy(s => s.CreatedAt).ToListAsync(cancellationToken);
            _byNetwork[network] = subscriptions;
        }

        return [.. subscriptions.Where(s => s.Events.Contains(notification.EventType, StringComparer.Ordinal)).Select(s => Destination.Webhook(s.Id))];
    }
}

/// <summary>
/// E-mail to the operators of the incident's validators, for what they must act on or know: a release published or
/// withdrawn, a snapshot published, the incident's status, quorum reached or lost. Only while SMTP is set up, so that
/// a portal without mail does not fill its outbox with messages it cannot send.
/// </summary>
public sealed class OperatorEmailAudience(SmtpOptions smtp) : INotificationAudience
{
    private static readonly HashSet<string> Events =
    [
        NotificationEvents.ReleasePublished, NotificationEvents.ReleaseWithdrawn, NotificationEvents.SnapshotPublished,
        NotificationEvents.IncidentStatusChanged, NotificationEvents.QuorumReached, NotificationEvents.QuorumLost,
    ];

    public async Task<IReadOnlyList<Destination>> DestinationsAsync(PortalDbContext db, Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        if (!smtp.IsConfigured || notification.IncidentId is not { } incidentId || !Events.Contains(notification.EventType))
        {
            return [];
        }

        return [.. (await NotificationRecipients.OperatorEmailsAsync(db, incidentId, cancellationToken)).Select(Destination.Email)];
    }
}

/// <summary>Who is reached, and at which address.</summary>
public static class NotificationRecipients
{
    /// <summary>
    /// The verified notification addresses (set on the user's notification settings and confirmed by the link sent to
    /// them) of the enabled users bound to any validator of the incident's set, one per user. Nothing is ever sent to
    /// an address its owner has not confirmed, the account's own address included.
    /// </summary>
    public static async Task<IReadOnlyList<string>> OperatorEmailsAsync(PortalDbContext db, Guid incidentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.NotificationSettings.AsNoTracking()
            .Where(s => s.EmailVerifiedAt != null && s.Email != null && s.Email != ""
                && db.Users.Any(u => u.Id == s.UserId && u.DisabledAt == null)
                && db.OperatorBindings.Any(b => b.UserId == s.UserId
                    && db.IncidentValidators.Any(v => v.IncidentId == incidentId && v.ValidatorId == b.ValidatorId)))
            .OrderBy(s => s.Email)
            .Select(s => s.Email!)
            .ToListAsync(cancellationToken);
    }
}
