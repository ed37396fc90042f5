using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Identity;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Networks;

/// <summary>Reading and editing networks. Anyone who declares incidents may list them; only admins change them.</summary>
public sealed class NetworkService(PortalDbContext db, CallerAccess access)
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

    /// <summary>Changes the quorum rule and the display unit; the name and chain id stay as created.</summary>
    public async Task<Network> UpdateAsync(Guid id, QuorumRule quorum, DisplayUnit unit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(quorum);
        await access.RequireAsync(Roles.Admin);
        var network = await db.Networks.SingleOrDefaultAsync(n => n.Id == id, cancellationToken)
            ?? throw new NotFoundException($"No network {id}.");
        network.ChangeQuorum(quorum);
        network.ChangeUnit(unit);
        await db.SaveChangesAsync(cancellationToken);
        return network;
    }
}
