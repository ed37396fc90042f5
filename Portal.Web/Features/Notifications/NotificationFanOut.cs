using Portal.Data;

namespace Portal.Web.Features.Notifications;

/// <summary>
/// Turns the events an incident change raised into outbox rows, one per destination that listens, inside the
/// change's transaction (called by <c>IncidentWrites</c> before it commits).
/// </summary>
public sealed class NotificationFanOut(IEnumerable<INotificationAudience> audiences, PortalLinks links)
{
    /// <summary>Adds the rows to <paramref name="db"/>; returns how many (the caller saves them if any).</summary>
    public async Task<int> EnqueueAsync(PortalDbContext db, IReadOnlyList<Notification> raised, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(raised);
        var count = 0;
        var origin = links.CurrentOrigin();
        foreach (var raisedOne in raised)
        {
            var notification = raisedOne.Origin is null && origin is not null ? raisedOne with { Origin = origin } : raisedOne;
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
