using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;

namespace Portal.Web.Features.Overview;

/// <param name="Validators">The network's validators, leaving out those seen only in drills.</param>
/// <param name="DrillOnly">Validators seen only in drills (simulated ones, or the demo's).</param>
public sealed record NetworkSummary(Guid Id, string Name, string ChainId, QuorumRule Quorum, int Validators, int DrillOnly = 0);

public sealed record IncidentSummary(
    Guid Id, string Title, string Network, IncidentStatus Status, long HaltHeight, DateTimeOffset DeclaredAt, QuorumEvaluation Quorum, bool IsDrill = false);

/// <summary>What the home page lists: every network, and incidents with their quorum progress, newest first.</summary>
public sealed class OverviewService(PortalDbContext db)
{
    public async Task<IReadOnlyList<NetworkSummary>> NetworksAsync(CancellationToken cancellationToken = default) =>
        await db.Networks.AsNoTracking()
            .OrderBy(n => n.Name)
            // A drill run on a real network registers its simulated validators there: those seen only in drills
            // are not counted among the network's validators.
            .Select(n => new
            {
                Network = n,
                All = db.Validators.Count(v => v.NetworkId == n.Id),
                Real = db.Validators.Count(v => v.NetworkId == n.Id
                    && (!db.IncidentValidators.Any(iv => iv.ValidatorId == v.Id)
                        || db.IncidentValidators.Any(iv => iv.ValidatorId == v.Id && db.Incidents.Any(i => i.Id == iv.IncidentId && !i.IsDrill)))),
            })
            .Select(x => new NetworkSummary(x.Network.Id, x.Network.Name, x.Network.ChainId, x.Network.Quorum, x.Real, x.All - x.Real))
            .ToListAsync(cancellationToken);

    /// <summary>Real incidents only: drills never count among them (see <see cref="DrillsAsync"/>).</summary>
    public Task<IReadOnlyList<IncidentSummary>> IncidentsAsync(CancellationToken cancellationToken = default) => ListAsync(drills: false, cancellationToken);

    /// <summary>Drills (and the demo), listed apart from real incidents and marked as such.</summary>
    public Task<IReadOnlyList<IncidentSummary>> DrillsAsync(CancellationToken cancellationToken = default) => ListAsync(drills: true, cancellationToken);

    private async Task<IReadOnlyList<IncidentSummary>> ListAsync(bool drills, CancellationToken cancellationToken)
    {
        var incidents = await db.Incidents.AsNoTracking()
            .Where(i => i.IsDrill == drills)
            .OrderByDescending(i => i.DeclaredAt)
            .Join(db.Networks, i => i.NetworkId, n => n.Id, (i, n) => new { Incident = i, Network = n })
            .ToListAsync(cancellationToken);

        var ids = incidents.Select(x => x.Incident.Id).ToList();
        var voters = await db.IncidentValidators.AsNoTracking()
            .Where(v => ids.Contains(v.IncidentId))
            .Join(db.Validators, iv => iv.ValidatorId, v => v.Id, (iv, v) => new { iv.IncidentId, v.Key, iv.Stake, iv.State })
            .ToListAsync(cancellationToken);
        var votersByIncident = voters.ToLookup(v => v.IncidentId, v => new QuorumVoter(v.Key, v.Stake, v.State));

        return [.. incidents.Select(x => new IncidentSummary(
            x.Incident.Id, x.Incident.Title, x.Network.Name, x.Incident.Status, x.Incident.HaltHeight, x.Incident.DeclaredAt,
            Quorum.Evaluate(x.Network.Quorum, [.. votersByIncident[x.Incident.Id]]), x.Incident.IsDrill))];
    }
}
