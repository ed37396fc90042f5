using Microsoft.AspNetCore.SignalR;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Hubs;

/// <summary>
/// Watchers subscribe to an incident and receive its quorum document and HTML fragments after every change.
/// Anyone may watch: the incident page is public, like a status page.
/// </summary>
public sealed class IncidentHub(IncidentReader reader) : Hub
{
    public const string Path = "/hubs/incidents";

    /// <summary>Signed-in watchers: the incident page as the console shows it.</summary>
    public static string Group(Guid incidentId) => "incident:" + incidentId.ToString("N");

    /// <summary>Anonymous watchers: fragments rendered without contacts, status notes or user names.</summary>
    public static string PublicGroup(Guid incidentId) => "incident-public:" + incidentId.ToString("N");

    /// <summary>Signed-in watchers that take each change as one <c>update</c> message (see <see cref="Watch"/>).</summary>
    public static string MergedGroup(Guid incidentId) => "incident-merged:" + incidentId.ToString("N");

    /// <summary>Anonymous watchers that take each change as one <c>update</c> message, rendered as for <see cref="PublicGroup"/>.</summary>
    public static string MergedPublicGroup(Guid incidentId) => "incident-merged-public:" + incidentId.ToString("N");

    /// <summary>The message <see cref="Watch"/> subscribers get per change: <see cref="Features.Live.LiveUpdate"/>.</summary>
    public const string UpdateMessage = "update";

    private bool SignedIn => Context.User?.Identity?.IsAuthenticated == true;

    private string GroupFor(Guid incidentId) => SignedIn ? Group(incidentId) : PublicGroup(incidentId);

    /// <summary>
    /// Joins the incident's group and answers at once with the current quorum document, so a client that
    /// (re)connects can compare revisions and catch up on anything it missed.
    /// </summary>
    public Task Subscribe(Guid incidentId) => JoinAsync(incidentId, GroupFor(incidentId));

    /// <summary>
    /// The public status page's subscription: the public fragments whoever is watching, so a signed-in visitor
    /// of <c>/status/{id}</c> never has contacts, notes or user names morphed into the page they may share.
    /// </summary>
    public Task SubscribePublic(Guid incidentId) => JoinAsync(incidentId, PublicGroup(incidentId));

    /// <summary>
    /// As <see cref="Subscribe"/>, but each change arrives as one <c>update</c> message carrying all its fragments
    /// and its quorum document, instead of one <c>fragment</c> message per region and a <c>quorum</c> after them.
    /// The incident pages use it: under a burst a pass re-renders dozens of rows, and one message per watcher per
    /// pass costs the server (and every phone) one frame instead of dozens. Joining still answers with <c>quorum</c>.
    /// </summary>
    public Task Watch(Guid incidentId) => JoinAsync(incidentId, SignedIn ? MergedGroup(incidentId) : MergedPublicGroup(incidentId));

    /// <summary>As <see cref="SubscribePublic"/>, with changes merged as for <see cref="Watch"/>.</summary>
    public Task WatchPublic(Guid incidentId) => JoinAsync(incidentId, MergedPublicGroup(incidentId));

    private async Task JoinAsync(Guid incidentId, string group)
    {
        // Join first, then read: a change committed in between reaches this watcher either way.
        await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);
        // From this instance's projection: one query to check it is current, however many watchers (re)subscribe.
        var quorum = await reader.QuorumAsync(incidentId, Context.ConnectionAborted);
        if (quorum is null)
        {
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);
            throw new HubException($"No incident {incidentId}.");
        }

        await Clients.Caller.SendAsync("quorum", quorum, Context.ConnectionAborted);
    }
}
