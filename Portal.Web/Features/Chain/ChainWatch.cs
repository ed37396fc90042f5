using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Chain;
using Portal.Domain;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Chain;

/// <summary>Timeline kinds written by the watch.</summary>
public static class ChainTimelineKinds
{
    public const string Resumed = "chain-resumed";
    public const string SeenVoting = "chain-votes";
}

/// <summary>
/// Polls the RPC URLs of every network that has an open incident (not resumed, not closed). Every instance runs
/// it; before polling a network an instance claims it by moving <c>claimed_until</c> forward with a conditional
/// UPDATE, so each network is polled once per interval however many instances run. A poll reads the head; when it
/// passes an incident's halt height the resume is recorded once (under the incident's lock); while halted it reads
/// the consensus state and marks validators seen voting at the stuck height; it also reads validators' own status
/// URLs for the version check, at a slower pace.
/// </summary>
public sealed partial class ChainWatch(IServiceScopeFactory scopes, ChainOptions options, TimeProvider clock, ILogger<ChainWatch> logger) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.WatchEnabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PollDueAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The database may be away; the next tick tries again.
                LogPollFailed(ex);
            }

            try
            {
                await Task.Delay(Tick, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Polls every network whose interval has passed and that this instance manages to claim; returns how many.</summary>
    public async Task<int> PollDueAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        List<Guid> due;
        using (var scope = scopes.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            due = await db.NetworkChains.AsNoTracking()
                .Where(c => c.ClaimedUntil == null || c.ClaimedUntil <= now)
                .Where(c => db.Incidents.Any(i => i.NetworkId == c.NetworkId && i.Status != IncidentStatus.Resumed && i.Status != IncidentStatus.Closed))
                .Select(c => c.NetworkId)
                .ToListAsync(cancellationToken);
        }

        var polled = 0;
        foreach (var networkId in due)
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var claimed = await db.Database.ExecuteSqlAsync($"""
                UPDATE network_chains SET claimed_until = {now} + make_interval(secs => poll_seconds)
                WHERE network_id = {networkId} AND (claimed_until IS NULL OR claimed_until <= {now})
                """, cancellationToken);
            if (claimed == 1)
            {
                await PollNetworkAsync(scope.ServiceProvider, networkId, now, cancellationToken);
                polled++;
            }
        }

        return polled;
    }

    private async Task PollNetworkAsync(IServiceProvider services, Guid networkId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<PortalDbContext>();
        var chain = await db.NetworkChains.SingleAsync(c => c.NetworkId == networkId, cancellationToken);
        var adapter = services.GetRequiredService<ChainAdapters>().For(chain.Family);
        var urls = chain.RpcUrls.Select(u => new Uri(u)).ToList();
        ChainHead head;
        try
        {
            head = await adapter.ReadHeadAsync(urls, cancellationToken);
        }
        catch (ChainReadException ex)
        {
            if (chain.UnreachableSince is null)
            {
                LogUnreachable(networkId, ex.Message);
            }

            chain.UnreachableSince ??= now;
            chain.LastError = Clip(ex.Message);
            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        if (chain.LatestHeight is { } previous && head.Height < previous)
        {
            // A node behind a load balancer, or one restored from an older snapshot: never read as the chain going back.
            chain.Anomaly = Clip($"At {now:yyyy-MM-dd HH:mm:ss} UTC a node reported height {head.Height}, below the {previous} read before; the higher reading is kept.");
            LogBackwards(networkId, head.Height, previous);
        }
        else
        {
            chain.LatestHeight = head.Height;
            chain.Anomaly = null;
        }

        chain.ReadAt = now;
        chain.NodeVersion = head.NodeVersion;
        chain.CatchingUp = head.CatchingUp;
        chain.UnreachableSince = null;
        chain.LastError = null;
        await db.SaveChangesAsync(cancellationToken);

        var open = await db.Incidents.AsNoTracking()
            .Where(i => i.NetworkId == networkId && i.Status != IncidentStatus.Resumed && i.Status != IncidentStatus.Closed)
            .Select(i => new { i.Id, i.HaltHeight })
            .ToListAsync(cancellationToken);
        ChainVotes? votes = null;
        var votesRead = false;
        foreach (var incident in open)
        {
            if (chain.LatestHeight > incident.HaltHeight)
            {
                await NoteResumedAsync(services, incident.Id, chain.LatestHeight.Value, chain.AutoResume, cancellationToken);
                continue;
            }

            if (!votesRead)
            {
                votesRead = true;
                try
                {
                    votes = await adapter.ReadVotesAsync(urls, cancellationToken);
                }
                catch (ChainReadException ex)
                {
                    chain.LastError = Clip($"Consensus state: {ex.Message}");
                    await db.SaveChangesAsync(cancellationToken);
                }
            }

            if (votes is not null)
            {
                await MarkSeenAsync(services, incident.Id, incident.HaltHeight, votes, now, cancellationToken);
            }
        }

        await CheckVersionsAsync(services, adapter, networkId, now, cancellationToken);
    }

    /// <summary>Records "chain resumed" once per incident: the mark is checked and set under the incident's lock.</summary>
    private static async Task NoteResumedAsync(IServiceProvider services, Guid incidentId, long height, bool autoResume, CancellationToken cancellationToken)
    {
        var writes = services.GetRequiredService<IncidentWrites>();
        await writes.ChangeAsync(incidentId, "portal", async change =>
        {
            var db = change.Db;
            var mark = await db.IncidentChains.SingleOrDefaultAsync(c => c.IncidentId == incidentId, cancellationToken);
            if (mark?.ResumedHeight is not null)
            {
                return false;
            }

            if (mark is null)
            {
                mark = new IncidentChain { IncidentId = incidentId };
                db.IncidentChains.Add(mark);
            }

            mark.ResumedHeight = height;
            mark.ResumedSeenAt = change.Now;
            change.Incident.Changed(change.Now);
            change.Record(ChainTimelineKinds.Resumed, $"Chain resumed at height {height} (read from the network's RPC).");
            var from = change.Incident.Status;
            if (autoResume && from is IncidentStatus.Coordinating or IncidentStatus.QuorumReached)
            {
                // The chain itself is the evidence: before reported quorum this is still an override, recorded as one.
                var quorum = Quorum.FromTotals(change.Network.Quorum, await IncidentWrites.QuorumTotalsAsync(db, incidentId, cancellationToken));
                var (reason, isOverride) = change.Incident.MoveTo(IncidentStatus.Resumed, quorum.Reached,
                    $"the chain resumed at height {height} (read from the network's RPC); this network is set to move on its own", change.Now);
                change.Record(isOverride ? TimelineKinds.StatusOverride : TimelineKinds.StatusChanged,
                    $"Status: {Incident.Describe(from)} → {Incident.Describe(IncidentStatus.Resumed)}{(isOverride ? ", overriding reported quorum" : "")}. Reason: {reason}");
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Marks the incident's validators whose vote appears at the stuck height. The stuck height is the halt height
    /// or the one after it (chains and commanders count the halt either way); votes at any other height are not
    /// evidence about this halt. Newly seen validators are recorded on the timeline; repeats only refresh the time.
    /// </summary>
    private static async Task MarkSeenAsync(IServiceProvider services, Guid incidentId, long haltHeight, ChainVotes votes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<PortalDbContext>();
        var record = await db.IncidentChains.SingleOrDefaultAsync(c => c.IncidentId == incidentId, cancellationToken);
        if (record is null)
        {
            record = new IncidentChain { IncidentId = incidentId };
            db.IncidentChains.Add(record);
        }

        record.VoteHeight = votes.Height;
        record.VotesReadAt = now;
        var stuck = votes.Height == haltHeight || votes.Height == haltHeight + 1;
        var addresses = stuck ? votes.Votes.Select(v => v.Address).Distinct(StringComparer.Ordinal).ToList() : [];
        var voters = await db.IncidentValidators.AsNoTracking()
            .Where(iv => iv.IncidentId == incidentId)
            .Join(db.Validators.Where(v => addresses.Contains(v.Key)), iv => iv.ValidatorId, v => v.Id, (iv, v) => new { v.Id, v.Name })
            .ToListAsync(cancellationToken);
        var ids = voters.Select(v => v.Id).ToList();
        var marks = await db.ValidatorChainMarks.Where(m => m.IncidentId == incidentId && ids.Contains(m.ValidatorId)).ToDictionaryAsync(m => m.ValidatorId, cancellationToken);
        foreach (var voter in voters)
        {
            if (!marks.TryGetValue(voter.Id, out var mark))
            {
                mark = new ValidatorChainMark { IncidentId = incidentId, ValidatorId = voter.Id };
                db.ValidatorChainMarks.Add(mark);
                marks[voter.Id] = mark;
            }

            mark.LastSeenAt = now;
        }

        var fresh = voters.Where(v => marks[v.Id].SeenVotingAt is null).ToList();
        if (fresh.Count == 0)
        {
            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        // Newly seen: a change of the incident (revision, timeline, live update), under its lock like any other.
        await services.GetRequiredService<IncidentWrites>().ChangeAsync(incidentId, "portal", change =>
        {
            foreach (var voter in fresh)
            {
                marks[voter.Id].SeenVotingAt = change.Now;
                marks[voter.Id].SeenHeight = votes.Height;
                change.ValidatorChanged(voter.Id);
            }

            var names = string.Join(", ", fresh.Take(10).Select(v => v.Name)) + (fresh.Count > 10 ? $" and {fresh.Count - 10} more" : "");
            change.Incident.Changed(change.Now);
            change.Record(ChainTimelineKinds.SeenVoting, $"Seen voting at block {votes.Height}: {names} ({voters.Count} validators of the set voting).");
            return Task.FromResult(true);
        }, cancellationToken);
    }

    /// <summary>Reads each validator's own status URL when its last reading is older than the version-check interval.</summary>
    private async Task CheckVersionsAsync(IServiceProvider services, IChainAdapter adapter, Guid networkId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<PortalDbContext>();
        var stale = now.AddSeconds(-options.VersionCheckSeconds);
        var targets = await db.IncidentValidators.AsNoTracking()
            .Where(iv => db.Incidents.Any(i => i.Id == iv.IncidentId && i.NetworkId == networkId && i.Status != IncidentStatus.Resumed && i.Status != IncidentStatus.Closed))
            .Join(db.Validators.Where(v => v.StatusUrl != null), iv => iv.ValidatorId, v => v.Id, (iv, v) => new { iv.IncidentId, iv.ValidatorId, v.StatusUrl })
            .Where(t => !db.ValidatorChainMarks.Any(m => m.IncidentId == t.IncidentId && m.ValidatorId == t.ValidatorId && m.VersionReadAt != null && m.VersionReadAt > stale))
            .ToListAsync(cancellationToken);
        if (targets.Count == 0)
        {
            return;
        }

        // One read per distinct URL, a few at a time: a validator in two incidents is asked once.
        var reports = new System.Collections.Concurrent.ConcurrentDictionary<string, (string? Version, string? Error)>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(targets.Select(t => t.StatusUrl!).Distinct(StringComparer.Ordinal), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (url, token) =>
        {
            try
            {
                reports[url] = ((await adapter.ReadNodeAsync(new Uri(url), token)).Version, null);
            }
            catch (ChainReadException ex)
            {
                reports[url] = (null, Clip(ex.Message));
            }
        });

        var ids = targets.Select(t => t.ValidatorId).ToList();
        var marks = await db.ValidatorChainMarks.Where(m => ids.Contains(m.ValidatorId)).ToListAsync(cancellationToken);
        foreach (var target in targets)
        {
            var mark = marks.Find(m => m.IncidentId == target.IncidentId && m.ValidatorId == target.ValidatorId);
            if (mark is null)
            {
                mark = new ValidatorChainMark { IncidentId = target.IncidentId, ValidatorId = target.ValidatorId };
                db.ValidatorChainMarks.Add(mark);
                marks.Add(mark);
            }

            var (version, error) = reports[target.StatusUrl!];
            mark.VersionReadAt = now;
            mark.VersionError = error;
            mark.NodeVersion = version ?? mark.NodeVersion;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private static string Clip(string text) => text.Length <= NetworkChain.ErrorMax ? text : text[..(NetworkChain.ErrorMax - 1)] + "…";

    [LoggerMessage(Level = LogLevel.Error, Message = "Chain watch poll failed")]
    private partial void LogPollFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chain RPC of network {NetworkId} unreachable: {Reason}")]
    private partial void LogUnreachable(Guid networkId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chain RPC of network {NetworkId} reported height {Height}, below {Previous} read before")]
    private partial void LogBackwards(Guid networkId, long height, long previous);
}
