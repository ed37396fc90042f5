using Portal.Data;

namespace Portal.Web.Features.Notifications;

/// <summary>
/// Turns the events an incident change raised into outbox rows, one per destination that listens, inside the
/// change's transaction (called by <c>IncidentWrites</c> before it commits).
/// </summary>
public sealed class NotificationFanOut(IEnumerable<INotificationAudience> audiences)
{
    /// <summary>Adds the rows to <paramref name="db"/>; returns how many (the caller saves them if any).</summary>
    public async Task<int> EnqueueAsync(PortalDbContext db, IReadOnlyList<Notification> raised, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(raised);
        var count = 0;
        foreach (var notification in raised)
        {
            foreach (var audience in audiences)
            {
                foreach (var destination in await audience.DestinationsAsync(db, notification, cancellationToken))
                {
                    Outbox.Enqueue(db, destination, notification);
                    count++;
                }
            }
        }

        return count;
    }
}
