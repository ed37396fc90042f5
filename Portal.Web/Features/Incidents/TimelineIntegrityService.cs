using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Identity;
using Portal.Domain;
using Portal.Web.Features.Accounts;

namespace Portal.Web.Features.Incidents;

/// <summary>How an incident's timeline stands against its hash chain and its sealed anchor.</summary>
public enum TimelineVerdict
{
    /// <summary>The chain is whole and ends where the sealed anchor says, after as many entries.</summary>
    Intact,

    /// <summary>The chain is whole, but it predates anchoring and has no seal yet (it gets one with its next entry).</summary>
    Unsealed,

    /// <summary>Something was changed outside the portal; <see cref="TimelineCheck.Findings"/> say what.</summary>
    Broken,
}

/// <summary>One incident's check: the first break in the chain (if any) and every finding against the anchor.</summary>
public sealed record TimelineCheck(Guid IncidentId, string Title, long Entries, TimelineAnchor Anchor, TimelineVerdict Verdict, ChainBreak? FirstBreak, IReadOnlyList<string> Findings)
{
    public bool IsDrill { get; init; }
}

/// <summary>
/// Recomputes every incident's timeline from the database and holds it against the anchor on the incident row.
/// The chain finds an entry edited, inserted or removed in the middle; the anchor finds what the chain cannot:
/// the newest entries deleted, the chain rewritten and re-hashed from some entry on, an anchor written without
/// the server's key, and entries counted wrong. Admins only.
/// </summary>
public sealed class TimelineIntegrityService(PortalDbContext db, TimelineKey key, CallerAccess access)
{
    public async Task<IReadOnlyList<TimelineCheck>> CheckAllAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await access.RequireAsync(caller, Roles.Admin);

        var results = new List<TimelineCheck>();
        var incidents = await db.Incidents.AsNoTracking().OrderBy(i => i.IsDrill).ThenByDescending(i => i.DeclaredAt)
            .Select(i => new { i.Id, i.Title, i.TimelineCount, i.TimelineHead, i.TimelineSeal, i.IsDrill })
            .ToListAsync(cancellationToken);
        foreach (var incident in incidents)
        {
            var entries = await db.TimelineEvents.AsNoTracking().Where(e => e.IncidentId == incident.Id).OrderBy(e => e.Id).ToListAsync(cancellationToken);
            results.Add(Check(incident.Id, incident.Title, new TimelineAnchor(incident.TimelineCount, incident.TimelineHead, incident.TimelineSeal), entries, key) with { IsDrill = incident.IsDrill });
        }

        return results;
    }

    /// <summary>The verdict on one incident's entries (oldest first) against its anchor.</summary>
    public static TimelineCheck Check(Guid incidentId, string title, TimelineAnchor anchor, IReadOnlyList<TimelineEvent> entries, TimelineKey key)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(key);
        var findings = new List<string>();
        var chainBreak = TimelineEvent.Verify(entries);
        if (chainBreak is not null)
        {
            findings.Add($"first break at entry #{chainBreak.EventId}: {chainBreak.Reason}");
        }

        var head = entries.Count == 0 ? TimelineEvent.Genesis : entries[^1].Hash;
        var count = (long)entries.Count;
        var sealedByUs = anchor.IsSealedBy(key.Bytes, incidentId);
        if (anchor.Seal is not null && !sealedByUs)
        {
            findings.Add("forged anchor: the anchor on the incident row does not carry the portal's seal, so it was written outside the portal");
        }

        if (count != anchor.Count)
        {
            findings.Add($"wrong count: the anchor records {anchor.Count} entries, the table holds {count}"
                + (count > anchor.Count ? ": entries were added outside the portal" : string.Empty));
        }

        if (count < anchor.Count && !entries.Any(e => e.Hash == anchor.Head))
        {
            findings.Add($"deleted tail: the newest {anchor.Count - count} entries are gone; the anchored head {Short(anchor.Head)} is no longer in the table, which now ends at {Short(head)}");
        }
        else if (head != anchor.Head && chainBreak is null && count == anchor.Count)
        {
            findings.Add($"re-hashed chain: every entry matches its hash, but the chain ends at {Short(head)}, not at the anchored head {Short(anchor.Head)}: entries were rewritten and re-hashed");
        }
        else if (head != anchor.Head && count >= anchor.Count)
        {
            findings.Add($"the chain ends at {Short(head)}, not at the anchored head {Short(anchor.Head)}");
        }

        foreach (var alarm in entries.Where(e => e.Kind == TimelineKinds.AnchorMismatch))
        {
            findings.Add($"entry #{alarm.Id} ({alarm.At.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC): the portal found the timeline changed outside it when it next wrote");
        }

        var verdict = findings.Count > 0 ? TimelineVerdict.Broken
            : anchor.Seal is null && count > 0 ? TimelineVerdict.Unsealed
            : TimelineVerdict.Intact;
        return new TimelineCheck(incidentId, title, count, anchor, verdict, chainBreak, findings);
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;
}
