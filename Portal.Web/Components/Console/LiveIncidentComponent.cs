using Microsoft.AspNetCore.Components;
using Portal.Web.Features.Incidents;
using Portal.Web.Features.Live;

namespace Portal.Web.Components.Console;

/// <summary>
/// The base of a console page or component that follows incidents live. Call <see cref="Follow"/> (or
/// <see cref="FollowAll"/>) from <c>OnInitialized</c>; override <see cref="OnIncidentChangedAsync"/> to take the
/// new state, and the component renders. Changes arriving closer together than
/// <see cref="ConsoleOptions.LiveThrottle"/> are merged: the component sees the latest state of each incident
/// once, then renders once. Subscriptions end when the component is disposed (the page is left or the circuit
/// closes). Nothing happens while prerendering: only a circuit follows.
/// <para>Keep what you take small (ids, the view itself, which every circuit shares): never copy the
/// validators into component state, and reload from the database in <c>OnInitializedAsync</c>, not from memory,
/// so a reconnected or reloaded page shows the current state.</para>
/// </summary>
public abstract class LiveIncidentComponent : ComponentBase, IDisposable
{
    private readonly List<IDisposable> _subscriptions = [];
    private readonly Dictionary<Guid, IncidentView> _pending = [];
    private readonly Lock _gate = new();
    private bool _flushScheduled;
    private long _lastFlush;
    private bool _disposed;

    [Inject] private IncidentNotifier Notifier { get; set; } = default!;

    [Inject] private ConsoleOptions Options { get; set; } = default!;

    [Inject] private TimeProvider Clock { get; set; } = default!;

    /// <summary>Follows one incident (call once per incident).</summary>
    protected void Follow(Guid incidentId)
    {
        if (RendererInfo.IsInteractive)
        {
            _subscriptions.Add(Notifier.Subscribe(incidentId, Take));
        }
    }

    /// <summary>Follows every incident: for lists and overviews.</summary>
    protected void FollowAll()
    {
        if (RendererInfo.IsInteractive)
        {
            _subscriptions.Add(Notifier.SubscribeAll(Take));
        }
    }

    /// <summary>An incident changed; <paramref name="view"/> is its new state. Runs on the circuit; the component renders afterwards.</summary>
    protected abstract Task OnIncidentChangedAsync(IncidentView view);

    /// <summary>On the broadcaster's thread: note the state and make sure one flush is on its way.</summary>
    private void Take(IncidentView view)
    {
        TimeSpan wait;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _pending[view.Incident.Id] = view;
            if (_flushScheduled)
            {
                return;
            }

            _flushScheduled = true;
            var since = Clock.GetElapsedTime(_lastFlush);
            wait = _lastFlush == 0 || since >= Options.LiveThrottle ? TimeSpan.Zero : Options.LiveThrottle - since;
        }

        _ = FlushAfterAsync(wait);
    }

    private async Task FlushAfterAsync(TimeSpan wait)
    {
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, Clock);
        }

        try
        {
            await InvokeAsync(FlushAsync);
        }
        catch (ObjectDisposedException)
        {
            // The circuit closed while the change was on its way: nobody left to show it to.
        }
        catch (Exception ex)
        {
            // As if thrown by a handler of the component: the circuit's error handling reports it.
            await DispatchExceptionAsync(ex);
        }
    }

    private async Task FlushAsync()
    {
        IncidentView[] views;
        lock (_gate)
        {
            views = [.. _pending.Values];
            _pending.Clear();
            _flushScheduled = false;
            _lastFlush = Clock.GetTimestamp();
            if (_disposed)
            {
                return;
            }
        }

        foreach (var view in views)
        {
            await OnIncidentChangedAsync(view);
        }

        StateHasChanged();
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        lock (_gate)
        {
            _disposed = true;
            _pending.Clear();
        }

        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        _subscriptions.Clear();
    }
}
