using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Chain;
using Portal.Domain;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Chain;

/// <summary>Something about one validator the commander should look at: the chain and the reports disagree.</summary>
public sealed record ChainFlag(string Key, string Name, string Kind, string Message);

/// <summary>What the commander's chain panel shows.</summary>
public sealed record ChainPanelModel(
    NetworkChain? Settings, IncidentChain? Incident, int SeenVoting, IReadOnlyList<ChainFlag> Flags, bool OfferResume, DateTimeOffset Now)
{
    public static class Kinds
    {
        public const string ReadyNotVoting = "ready-not-voting";
        public const string VotingNotReported = "voting-not-reported";
        public const string VersionMismatch = "version-mismatch";
        public const string VersionUnreadable = "version-unreadable";
    }
}

public sealed class ChainReader(PortalDbContext db, ChainOptions options)
{
    /// <summary>The validators seen voting in an incident (for the quorum panel's side-by-side figure).</summary>
    public static async Task<HashSet<Guid>> SeenVotingAsync(PortalDbContext db, Guid incidentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return [.. await db.ValidatorChainMarks.AsNoTracking().Where(m => m.IncidentId == incidentId && m.SeenVotingAt != null).Select(m => m.ValidatorId).ToListAsync(cancellationToken)];
    }

    public async Task<ChainPanelModel> LoadAsync(IncidentView view, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        var incidentId = view.Incident.Id;
        var settings = await db.NetworkChains.AsNoTracking().SingleOrDefaultAsync(c => c.NetworkId == view.Network.Id, cancellationToken);
        var incident = await db.IncidentChains.AsNoTracking().SingleOrDefaultAsync(c => c.IncidentId == incidentId, cancellationToken);
        var marks = await db.ValidatorChainMarks.AsNoTracking().Where(m => m.IncidentId == incidentId).ToDictionaryAsync(m => m.ValidatorId, cancellationToken);
        var open = view.Incident.Status is not (IncidentStatus.Resumed or IncidentStatus.Closed);
        var flags = new List<ChainFlag>();
        var grace = TimeSpan.FromMinutes(options.ReadyGraceMinutes);
        var release = view.CurrentRelease?.Version;
        foreach (var line in view.Validators)
        {
            marks.TryGetValue(line.ValidatorId, out var mark);
            var seen = mark?.SeenVotingAt is not null;

            // Only once votes have been read while halted: without a reading, nobody has been "not seen".
            if (open && incident?.VotesReadAt is not null && incident.ResumedHeight is null)
            {
                if (line.State == ValidatorState.Ready && !seen && view.Now - line.UpdatedAt >= grace)
                {
                    flags.Add(new ChainFlag(line.Key, line.Name, ChainPanelModel.Kinds.ReadyNotVoting,
                        $"reported ready {Minutes(view.Now - line.UpdatedAt)} ago, but not seen voting at block {incident.VoteHeight}"));
                }
                else if (seen && line.State != ValidatorState.Ready)
                {
                    flags.Add(new ChainFlag(line.Key, line.Name, ChainPanelModel.Kinds.VotingNotReported,
                        $"seen voting at block {mark!.SeenHeight}, but reported {ValidatorTransitions.Name(line.State)}, not ready"));
                }
            }

            if (mark?.VersionReadAt is not null)
            {
                if (mark.VersionError is not null)
                {
                    flags.Add(new ChainFlag(line.Key, line.Name, ChainPanelModel.Kinds.VersionUnreadable, $"its status URL could not be read: {mark.VersionError}"));
                }
                else if (release is not null && mark.NodeVersion is not null && !SameVersion(mark.NodeVersion, release))
                {
                    flags.Add(new ChainFlag(line.Key, line.Name, ChainPanelModel.Kinds.VersionMismatch, $"its node reports {mark.NodeVersion}; the published release is {release}"));
                }
            }
        }

        var offer = open && incident?.ResumedHeight is not null;
        return new ChainPanelModel(settings, incident, marks.Values.Count(m => m.SeenVotingAt is not null), flags, offer, view.Now);
    }

    /// <summary>Versions compare without a leading "v" and without case: "v0.1.8" and "0.1.8" are the same release.</summary>
    public static bool SameVersion(string a, string b) =>
        string.Equals(Trim(a), Trim(b), StringComparison.OrdinalIgnoreCase);

    private static string Trim(string version) => version.Trim().TrimStart('v', 'V');

    private static string Minutes(TimeSpan span) => span.TotalMinutes < 1 ? "under a minute" : $"{(int)span.TotalMinutes} min";
}
