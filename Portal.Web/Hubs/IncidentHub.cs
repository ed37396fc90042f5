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

    private string GroupFor(Guid incidentId) => Context.User?.Identity?.IsAuthenticated == true ? Group(incidentId) : PublicGroup(incidentId);

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
