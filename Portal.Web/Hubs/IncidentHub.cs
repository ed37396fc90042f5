using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Web.Hubs;

/// <summary>
/// Watchers subscribe to an incident and receive its quorum document and HTML fragments after every change.
/// Anyone may watch: the incident page is public, like a status page.
/// </summary>
public sealed class IncidentHub(PortalDbContext db) : Hub
{
    public const string Path = "/hubs/incidents";

    public static string Group(Guid incidentId) => "incident:" + incidentId.ToString("N");

    public async Task Subscribe(Guid incidentId)
    {
        if (!await db.Incidents.AnyAsync(i => i.Id == incidentId, Context.ConnectionAborted))
        {
            throw new HubException($"No incident {incidentId}.");
        }

        await Groups.AddToGroupAsync(Context.ConnectionId, Group(incidentId), Context.ConnectionAborted);
    }
}
