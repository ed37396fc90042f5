using System.Threading.Channels;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.SignalR;
using Portal.Domain;
using Portal.Web.Components.Incidents;
using Portal.Web.Features.Incidents;
using Portal.Web.Hubs;

namespace Portal.Web.Features.Live;

/// <summary>An HTML fragment replacing the element with id <see cref="Target"/> on the incident page.</summary>
public sealed record Fragment(string Target, [property: System.Text.Json.Serialization.JsonConverter(typeof(UnescapedHtmlConverter))] string Html, long Revision);

/// <summary>
/// A change as <see cref="IncidentHub.Watch"/> subscribers get it: the fragments of the pass, in the order
/// <c>fragment</c> messages would have come, and the quorum document of the same revision. A pass with more
/// than about <see cref="IncidentBroadcaster.UpdateBytes"/> of HTML (a burst re-rendering hundreds of rows) goes
/// out in several updates of that size; only the last carries <see cref="Quorum"/> (null before it).
/// </summary>
public sealed record LiveUpdate(long Revision, IReadOnlyList<Fragment> Fragments, QuorumDocument? Quorum)
{
    /// <summary>The pass's fragments cut into updates of at most about <paramref name="bytes"/> characters of HTML each, the quorum document on the last.</summary>
    public static IReadOnlyList<LiveUpdate> Split(long revision, IReadOnlyList<Fragment> fragments, QuorumDocument quorum, int bytes)
    {
        ArgumentNullException.ThrowIfNull(fragments);
        var updates = new List<LiveUpdate>();
        var chunk = new List<Fragment>();
        var size = 0;
        foreach (var fragment in fragments)
        {
            if (chunk.Count > 0 && size + fragment.Html.Length > bytes)
            {
                updates.Add(new LiveUpdate(revision, chunk, null));
                (chunk, size) = ([], 0);
            }

            chunk.Add(fragment);
            size += fragment.Html.Length;
        }

        updates.Add(new LiveUpdate(revision, chunk, quorum));
        return updates;
    }
}

/// <summary>
/// Turns committed changes (heard over LISTEN/NOTIFY, whichever instance made them) into messages for the
/// incident's SignalR group. Changes queue up; each pass takes everything queued, merges it per incident,
/// advances the incident's projection by the rows they name (<see cref="IncidentProjections"/>), renders each fragment once with the same components the page uses, and sends
/// each message once to the group, whatever the number of watchers. A burst of reports therefore costs one
/// render per pass, not one per report or per watcher.
/// </summary>
public sealed partial class IncidentBroadcaster(
    IServiceScopeFactory scopes, IHubContext<IncidentHub> hub, HubLifetimeManager<IncidentHub> members, IncidentProjections projections, IncidentNotifier circuits, TimeProvider clock, ILoggerFactory loggerFactory, ILogger<IncidentBroadcaster> logger) : BackgroundService
{
    /// <summary>
    /// The public page's stake chart is rebuilt from the timeline, so it travels at most this often (as the console
    /// redraws its own), and at once when the incident's status changes: quorum and the restart show as they happen.
    /// </summary>
    public static readonly TimeSpan ChartEvery = TimeSpan.FromSeconds(30);

    /// <summary>When each incident's chart last went to its public watchers, and at which status (passes run one at a time).</summary>
    private readonly Dictionary<Guid, (DateTimeOffset At, IncidentStatus Status)> _chartSent = [];

    /// <summary>Bounds on the spacing of passes: isolated changes go out at once, bursts are merged.</summary>
    private static readonly TimeSpan MinimumPassInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaximumPassInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Characters of HTML per <see cref="LiveUpdate"/>: a lone change is one update, a burst's pass several of this
    /// size rather than one of megabytes that a phone parses in one go and a slow socket holds for seconds.
    /// </summary>
    public const int UpdateBytes = 32 * 1024;

    private readonly Channel<IncidentChanged> _queue = Channel.CreateUnbounded<IncidentChanged>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(IncidentChanged change) => _queue.Writer.TryWrite(change);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (await _queue.Reader.WaitToReadAsync(stoppingToken))
        {
            var passStarted = System.Diagnostics.Stopwatch.GetTimestamp();
            var pending = new Dictionary<Guid, (HashSet<Guid> Validators, bool All, ChangedParts Parts, long Revision)>();
            while (_queue.Reader.TryRead(out var change))
            {
                var entry = pending.TryGetValue(change.IncidentId, out var found) ? found : ([], false, ChangedParts.None, 0);
                entry.Validators.UnionWith(change.Validators);
                pending[change.IncidentId] = (entry.Validators, entry.All || change.AllValidators, entry.Parts | change.Parts, Math.Max(entry.Revision, change.Revision));
            }

            foreach (var (incidentId, (validators, all, parts, revision)) in pending)
            {
                try
                {
                    await BroadcastAsync(incidentId, validators, all, parts, revision, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The notice's rows were not taken in: read the incident in full next time.
                    projections.Forget(incidentId);
                    LogBroadcastFailed(ex, incidentId);
                }
            }

            // Under a burst (changes came in while this pass ran), let changes gather: one render per pass however
            // many reports arrived, and passes spaced by twice their own cost, so sending to thousands of watchers
            // never starves the API. A change that finds no pass running or waiting goes out at once: resting
            // after every pass would hold each lone change back by as long as the pass before it took.
            var cost = System.Diagnostics.Stopwatch.GetElapsedTime(passStarted);
            var rest = TimeSpan.FromTicks(Math.Clamp(cost.Ticks * 2, MinimumPassInterval.Ticks, MaximumPassInterval.Ticks)) - cost;
            if (rest > TimeSpan.Zero && _queue.Reader.TryPeek(out _))
            {
                await Task.Delay(rest, stoppingToken);
            }
        }
    }

    private async Task BroadcastAsync(Guid incidentId, IReadOnlySet<Guid> validators, bool all, ChangedParts parts, long revision, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await using var scope = scopes.CreateAsyncScope();
        var view = await projections.AdvanceAsync(incidentId, validators, all, parts, revision, cancellationToken);
        if (view is null)
        {
            return;
        }

        var read = System.Diagnostics.Stopwatch.GetElapsedTime(started);

        // The same read serves this instance's circuits: they render it themselves, throttled per circuit.
        circuits.Publish(view);

        // Signed-in and anonymous watchers are in separate groups: anonymous ones get the public rendering only.
        // A group with no member here is not rendered for: whoever joins after this check gets the quorum
        // document below (sent to the members as they are then), sees the newer revision and catches up by it.
        // Each rendering serves two groups: the contract's (a message per fragment, then quorum) and the pages'
        // (the whole change in one message).
        var signedIn = IncidentHub.Group(incidentId);
        var anonymous = IncidentHub.PublicGroup(incidentId);
        var quorum = QuorumDocument.From(view.Incident, view.Quorum);
        var rendering = TimeSpan.Zero;
        List<string> quorumTo = [signedIn, anonymous];
        foreach (var (each, merged, groupView) in new (string, string, Func<IncidentView>)[]
        {
            (signedIn, IncidentHub.MergedGroup(incidentId), () => view),
            (anonymous, IncidentHub.MergedPublicGroup(incidentId), view.ForPublic),
        })
        {
            var (toEach, toMerged) = (HasMembers(each), HasMembers(merged));
            if (!toEach && !toMerged)
            {
                quorumTo.Add(merged); // whoever joins it meanwhile still hears of the revision
                continue;
            }

            var renderStarted = System.Diagnostics.Stopwatch.GetTimestamp();
            var fragments = await RenderAsync(scope.ServiceProvider, groupView(), validators, all, parts);
            if (each == anonymous && await PublicChartAsync(scope.ServiceProvider, view) is { } chart)
            {
                fragments = [.. fragments, chart];
            }

            rendering += System.Diagnostics.Stopwatch.GetElapsedTime(renderStarted);
            if (toMerged)
            {
                foreach (var update in LiveUpdate.Split(view.Incident.Revision, fragments, quorum, UpdateBytes))
                {
                    await hub.Clients.Group(merged).SendAsync(IncidentHub.UpdateMessage, update, cancellationToken);
                }
            }
            else
            {
                quorumTo.Add(merged);
            }

            if (toEach)
            {
                var group = hub.Clients.Group(each);
                foreach (var fragment in fragments)
                {
                    await group.SendAsync("fragment", fragment, cancellationToken);
                }
            }
        }

        // Last, so a client that sees a newer revision here has already received the fragments for it.
        await hub.Clients.Groups(quorumTo).SendAsync("quorum", quorum, cancellationToken);
        var pass = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        LogPass(incidentId, view.Incident.Revision, read.TotalMilliseconds, rendering.TotalMilliseconds, pass.TotalMilliseconds);
    }

    /// <summary>The stake chart for the public page when it is due (<see cref="ChartEvery"/>, or a new status), else null.</summary>
    private async Task<Fragment?> PublicChartAsync(IServiceProvider services, IncidentView view)
    {
        var now = clock.GetUtcNow();
        var incident = view.Incident;
        if (_chartSent.TryGetValue(incident.Id, out var sent) && now - sent.At < ChartEvery && sent.Status == incident.Status)
        {
            return null;
        }

        if (await services.GetRequiredService<StakeHistoryReader>().LoadAsync(incident.Id) is not { } history)
        {
            return null;
        }

        _chartSent[incident.Id] = (now, incident.Status);
        await using var renderer = new HtmlRenderer(services, loggerFactory);
        var html = await renderer.Dispatcher.InvokeAsync(async () => (await renderer.RenderComponentAsync<StakeChart>(ParameterView.FromDictionary(new Dictionary<string, object?>
        {
            [nameof(StakeChart.History)] = history,
            [nameof(StakeChart.Drill)] = view.IsDrill,
        }))).ToHtmlString());
        return new Fragment(StakeChart.Id, html, incident.Revision);
    }

    private bool HasMembers(string group) => members is not BoundedHubLifetimeManager<IncidentHub> bounded || bounded.HasMembers(group);

    /// <summary>
    /// The fragments for a change: header, quorum and timeline always; the release and snapshot panels when
    /// the change touched them; and the rows that changed.
    /// </summary>
    public async Task<IReadOnlyList<Fragment>> RenderAsync(IServiceProvider services, IncidentView view, IReadOnlySet<Guid> validators, bool all, ChangedParts parts)
    {
        ArgumentNullException.ThrowIfNull(view);
        await using var renderer = new HtmlRenderer(services, loggerFactory);
        var revision = view.Incident.Revision;
        return await renderer.Dispatcher.InvokeAsync(async () =>
        {
            async Task<Fragment> Render<TComponent>(string target, Dictionary<string, object?> parameters)
                where TComponent : IComponent =>
                new(target, (await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters))).ToHtmlString(), revision);

            var fragments = new List<Fragment>
            {
                await Render<IncidentHeader>("incident-header", new() { [nameof(IncidentHeader.View)] = view }),
                await Render<QuorumPanel>("quorum", new() { [nameof(QuorumPanel.View)] = view }),
            };
            if (parts.HasFlag(ChangedParts.Release))
            {
                fragments.Add(await Render<ReleasePanel>("release", new() { [nameof(ReleasePanel.View)] = view }));
            }

            if (parts.HasFlag(ChangedParts.Snapshots))
            {
                fragments.Add(await Render<SnapshotPanel>("snapshots", new() { [nameof(SnapshotPanel.View)] = view }));
            }

            fragments.Add(await Render<TimelineList>("timeline", new() { [nameof(TimelineList.Events)] = view.Timeline, [nameof(TimelineList.IncidentId)] = view.Incident.Id, [nameof(TimelineList.Public)] = view.Public }));
            foreach (var line in view.Validators.Where(v => all || validators.Contains(v.ValidatorId)))
            {
                fragments.Add(await Render<ValidatorRow>(ValidatorRow.RowId(line.Key), new()
                {
                    [nameof(ValidatorRow.Line)] = line,
                    [nameof(ValidatorRow.Share)] = view.Shares.Row(line),
                    [nameof(ValidatorRow.Now)] = view.Now,
                }));
            }

            return (IReadOnlyList<Fragment>)fragments;
        });
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Broadcast incident {IncidentId} r{Revision}: projection {ReadMs:0.0} ms, rendering {RenderMs:0.0} ms, whole pass {PassMs:0.0} ms")]
    private partial void LogPass(Guid incidentId, long revision, double readMs, double renderMs, double passMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not broadcast incident {IncidentId}; watchers catch up on their next change or reconnect")]
    private partial void LogBroadcastFailed(Exception exception, Guid incidentId);
}
