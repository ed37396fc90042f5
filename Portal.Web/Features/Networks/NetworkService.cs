using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Identity;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Incidents;
using Portal.Web.Features.Live;

namespace Portal.Web.Features.Networks;

/// <summary>Reading and editing networks. Anyone who declares incidents may list them; only admins change them.</summary>
public sealed class NetworkService(PortalDbContext db, CallerAccess access, IncidentProjections projections)
{
    public async Task<IReadOnlyList<Network>> ListAsync(CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.Commander);
        return await db.Networks.AsNoTracking().OrderBy(n => n.Name).ThenBy(n => n.ChainId).ToListAsync(cancellationToken);
    }

    public async Task<Network> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.Commander);
        return await db.Networks.AsNoTracking().SingleOrDefaultAsync(n => n.Id == id, cancellationToken)
            ?? throw new NotFoundException($"No network {id}.");
    }

    /// <summary>
    /// Changes the quorum rule and the display unit; the name and chain id stay as created. Every incident of the
    /// network is evaluated by the new rule at once: its projection is read afresh here, and the change notice
    /// (sent on commit) makes every instance read it afresh and push it to the incident's watchers. The
    /// incidents' revisions stay (nothing of an incident itself changed).
    /// </summary>
    public async Task<Network> UpdateAsync(Guid id, QuorumRule quorum, DisplayUnit unit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(quorum);
        await access.RequireAsync(Roles.Admin);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var network = await db.Networks.SingleOrDefaultAsync(n => n.Id == id, cancellationToken)
            ?? throw new NotFoundException($"No network {id}.");
        network.ChangeQuorum(quorum);
        network.ChangeUnit(unit);
        await db.SaveChangesAsync(cancellationToken);
        var incidents = await db.Incidents.AsNoTracking().Where(i => i.NetworkId == id).Select(i => new { i.Id, i.Revision }).ToListAsync(cancellationToken);
        foreach (var incident in incidents)
        {
            await IncidentWrites.NotifyAsync(db, new IncidentChanged(incident.Id, incident.Revision, [], AllValidators: true), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        foreach (var incident in incidents)
        {
            projections.Forget(incident.Id);
        }

        return network;
    }
}
