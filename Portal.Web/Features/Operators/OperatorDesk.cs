using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Identity;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Operators;

/// <summary>One validator bound to the operator, in one open incident, with the hotfix it must run.</summary>
public sealed record OperatorAssignment(
    Guid IncidentId, string IncidentTitle, IncidentStatus IncidentStatus, string NetworkName, DisplayUnit Unit,
    string Key, string Name, Stake Stake, ValidatorState State, string? Version, string? Note, DateTimeOffset UpdatedAt, Release? Release, bool IsDrill = false);

/// <summary>
/// What an operator's page reads: the validators bound to them in incidents not yet closed. Reports go through
/// <see cref="IncidentService.ReportAsync"/> like every other report, which checks the binding again.
/// </summary>
public sealed class OperatorDesk(PortalDbContext db, CallerAccess access)
{
    public async Task<IReadOnlyList<OperatorAssignment>> MineAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        var me = await access.RequireAsync(caller, Roles.Operator, Roles.Admin, Roles.Commander);
        var rows = await db.OperatorBindings.AsNoTracking()
            .Where(b => b.UserId == me.Id)
            .Join(db.IncidentValidators, b => b.ValidatorId, iv => iv.ValidatorId, (b, iv) => iv)
            .Join(db.Incidents.Where(i => i.Status != IncidentStatus.Closed), iv => iv.IncidentId, i => i.Id, (iv, i) => new { iv, i })
            .Join(db.Validators, x => x.iv.ValidatorId, v => v.Id, (x, v) => new { x.iv, x.i, v })
            .Join(db.Networks, x => x.i.NetworkId, n => n.Id, (x, n) => new
            {
                IncidentId = x.i.Id, x.i.Title, x.i.Status, x.i.DeclaredAt, x.i.IsDrill, Network = n.Name, n.Decimals, n.Symbol, x.v.Key, x.v.Name,
                x.iv.Stake, x.iv.State, x.iv.Version, x.iv.Note, x.iv.UpdatedAt,
            })
            .ToListAsync(cancellationToken);

        var incidentIds = rows.Select(r => r.IncidentId).Distinct().ToList();
        var releases = (await db.Releases.AsNoTracking().Where(r => incidentIds.Contains(r.IncidentId) && r.Status == ReleaseStatus.Published).ToListAsync(cancellationToken))
            .GroupBy(r => r.IncidentId)
            .ToDictionary(g => g.Key, g => IncidentReader.CurrentRelease(g));

        return [.. rows
            // Real incidents first: a drill never sits among them.
            .OrderBy(r => r.IsDrill).ThenByDescending(r => r.DeclaredAt).ThenBy(r => r.Name, StringComparer.OrdinalIgnoreCase)
            .Select(r => new OperatorAssignment(r.IncidentId, r.Title, r.Status, r.Network, DisplayUnit.Create(r.Decimals, r.Symbol), r.Key, r.Name, r.Stake, r.State, r.Version, r.Note, r.UpdatedAt,
                releases.GetValueOrDefault(r.IncidentId), r.IsDrill))];
    }
}
