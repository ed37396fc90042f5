using System.Collections.Immutable;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Live;

/// <summary>
/// Hands each incident's new state to the interactive components (circuits) of this instance that follow it.
/// <see cref="IncidentBroadcaster"/> feeds it from the same pass that renders the hub's fragments: one read per
/// incident per pass, whatever the number of circuits, and every circuit shares that one
/// <see cref="IncidentView"/> (treat it as read-only). Subscribers get it on the broadcaster's thread: they must
/// only take note and return (see <c>LiveIncidentComponent</c>, which throttles and renders on its circuit).
/// </summary>
public sealed partial class IncidentNotifier(ILogger<IncidentNotifier> logger)
{
    private static readonly Guid All = Guid.Empty;

    private ImmutableDictionary<Guid, ImmutableList<Action<IncidentView>>> _subscribers = ImmutableDictionary<Guid, ImmutableList<Action<IncidentView>>>.Empty;

    /// <summary>Calls <paramref name="onChange"/> with each new state of the incident until the result is disposed.</summary>
    public IDisposable Subscribe(Guid incidentId, Action<IncidentView> onChange)
    {
        ArgumentNullException.ThrowIfNull(onChange);
        ImmutableInterlocked.AddOrUpdate(ref _subscribers, incidentId, [onChange], (_, list) => list.Add(onChange));
        return new Subscription(this, incidentId, onChange);
    }

    /// <summary>As <see cref="Subscribe"/>, for every incident (lists and overviews).</summary>
    public IDisposable SubscribeAll(Action<IncidentView> onChange) => Subscribe(All, onChange);

    public void Publish(IncidentView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var subscribers = _subscribers;
        foreach (var key in (ReadOnlySpan<Guid>)[view.Incident.Id, All])
        {
            if (!subscribers.TryGetValue(key, out var list))
            {
                continue;
            }

            foreach (var onChange in list)
            {
                try
                {
                    onChange(view);
                }
                catch (Exception ex)
                {
                    // One broken subscriber must not keep the change from the others.
                    LogSubscriberFailed(ex, view.Incident.Id);
                }
            }
        }
    }

    private void Unsubscribe(Guid incidentId, Action<IncidentView> onChange)
    {
        ImmutableInterlocked.Update(ref _subscribers, all =>
            all.TryGetValue(incidentId, out var list) && list.Remove(onChange) is var rest
                ? rest.IsEmpty ? all.Remove(incidentId) : all.SetItem(incidentId, rest)
                : all);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A live subscriber to incident {IncidentId} failed")]
    private partial void LogSubscriberFailed(Exception exception, Guid incidentId);

    private sealed class Subscription(IncidentNotifier notifier, Guid incidentId, Action<IncidentView> onChange) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                notifier.Unsubscribe(incidentId, onChange);
            }
        }
    }
}
