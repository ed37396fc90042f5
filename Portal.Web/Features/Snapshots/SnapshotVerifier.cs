using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Data;
using Portal.Data.Blobs;
using Portal.Domain;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Snapshots;

public sealed class SnapshotVerifierOptions
{
    public const string Section = "Portal:Snapshots";

    /// <summary>How long a claim on a job lasts without renewal; after a crash another instance waits this long.</summary>
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>How often an idle verifier looks for work.</summary>
    public int PollSeconds { get; set; } = 2;
}

/// <summary>
/// Hashes stored snapshots in the background, streaming the object through SHA-256 in 1 MiB reads. A job is
/// claimed with a lease in the database (<c>FOR UPDATE SKIP LOCKED</c>), renewed as it goes, and published as
/// progress to the incident's watchers. If the process dies, the lease lapses and the job starts over from the
/// first byte, here or on another instance: a snapshot is never marked matched without one complete pass.
/// </summary>
public sealed partial class SnapshotVerifier(
    IServiceScopeFactory scopes, NpgsqlDataSource dataSource, IBlobStore store, SnapshotVerifierOptions options, ILogger<SnapshotVerifier> logger) : BackgroundService
{
    private const int BufferSize = 1 << 20;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);
    private readonly string _owner = $"{Environment.ProcessId}:{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Guid? job = null;
            try
            {
                job = await ClaimAsync(stoppingToken);
                if (job is { } id)
                {
                    await VerifyAsync(id, stoppingToken);
                    continue;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFailed(ex, job);
            }

            await Task.Delay(TimeSpan.FromSeconds(options.PollSeconds), stoppingToken);
        }
    }

    private async Task<Guid?> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE snapshots SET verifier_lease_until = now() + make_interval(secs => $1), verifier_owner = $2
            WHERE id = (
                SELECT id FROM snapshots
                WHERE status IN ('Uploaded', 'Verifying') AND (verifier_lease_until IS NULL OR verifier_lease_until < now())
                ORDER BY created_at
                LIMIT 1
                FOR UPDATE SKIP LOCKED)
            RETURNING id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (double)options.LeaseSeconds });
        command.Parameters.Add(new NpgsqlParameter { Value = _owner });
        return await command.ExecuteScalarAsync(cancellationToken) as Guid?;
    }

    private async Task VerifyAsync(Guid snapshotId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var writes = scope.ServiceProvider.GetRequiredService<IncidentWrites>();
        var snapshot = await db.Snapshots.AsNoTracking().SingleAsync(s => s.Id == snapshotId, cancellationToken);

        await writes.ChangeAsync(snapshot.IncidentId, "portal", async change =>
        {
            var tracked = await db.Snapshots.SingleAsync(s => s.Id == snapshotId, cancellationToken);
            var restarted = tracked.Status == SnapshotStatus.Verifying;
            tracked.StartVerification();
            change.PartChanged(ChangedParts.Snapshots);
            change.Incident.Changed(change.Now);
            change.Record(TimelineKinds.SnapshotHashed, restarted
                ? $"Snapshot at block {tracked.Height}: verification restarted from the first byte (attempt {tracked.VerificationAttempts}) after an interruption."
                : $"Snapshot at block {tracked.Height}: the portal started hashing the stored object.");
            return true;
        }, cancellationToken);
        LogStarted(snapshotId, snapshot.BlobKey, store.Kind);

        var started = Stopwatch.GetTimestamp();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        long total = 0;
        var lastProgress = Stopwatch.GetTimestamp();
        await using (var stream = await store.OpenReadAsync(snapshot.BlobKey, cancellationToken))
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                total += read;
                if (Stopwatch.GetElapsedTime(lastProgress) >= ProgressInterval)
                {
                    if (!await RenewAsync(db, snapshot, total, cancellationToken))
                    {
                        LogLostLease(snapshotId);
                        return; // someone else took over; their full pass will decide
                    }

                    lastProgress = Stopwatch.GetTimestamp();
                }
            }
        }

        var digest = Convert.ToHexStringLower(sha.GetHashAndReset());
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await writes.ChangeAsync(snapshot.IncidentId, "portal", async change =>
        {
            var tracked = await db.Snapshots.SingleAsync(s => s.Id == snapshotId, cancellationToken);
            var matched = tracked.FinishVerification(digest, total, change.Now);
            change.PartChanged(ChangedParts.Snapshots);
            change.Incident.Changed(change.Now);
            change.Record(matched ? TimelineKinds.SnapshotHashed : TimelineKinds.SnapshotMismatch, matched
                ? $"Snapshot at block {tracked.Height}: the stored bytes match the declared SHA-256 and size ({total:N0} bytes). {(tracked.Status == SnapshotStatus.Verified ? "Verified." : "Waiting for a second core developer to approve.")}"
                : $"Snapshot at block {tracked.Height} DOES NOT MATCH: the stored object hashes to {digest} ({total:N0} bytes), not the declared {tracked.DeclaredSha256} ({tracked.DeclaredSize:N0} bytes). It cannot be published.");
            await db.Database.ExecuteSqlAsync($"UPDATE snapshots SET verifier_lease_until = NULL, verifier_owner = NULL WHERE id = {snapshotId}", cancellationToken);
            return matched;
        }, cancellationToken);
        LogFinished(snapshotId, total, seconds, seconds > 0 ? total / seconds / 1_000_000 : 0);
    }

    /// <summary>Renews the lease, records progress and tells watchers; false if another verifier owns the job now.</summary>
    private async Task<bool> RenewAsync(PortalDbContext db, Snapshot snapshot, long hashed, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            UPDATE snapshots SET hashed_bytes = $1, verifier_lease_until = now() + make_interval(secs => $2)
            WHERE id = $3 AND verifier_owner = $4 AND status = 'Verifying'
            RETURNING (SELECT revision FROM incidents WHERE id = snapshots.incident_id)
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = hashed });
        command.Parameters.Add(new NpgsqlParameter { Value = (double)options.LeaseSeconds });
        command.Parameters.Add(new NpgsqlParameter { Value = snapshot.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = _owner });
        if (await command.ExecuteScalarAsync(cancellationToken) is not long revision)
        {
            return false;
        }

        // Progress is not a change of the incident (no new revision), but watchers see the bar move.
        await IncidentWrites.NotifyAsync(db, new IncidentChanged(snapshot.IncidentId, revision, [], false, ChangedParts.Snapshots), cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Hashing snapshot {SnapshotId} ({BlobKey}) from the {Store} store")]
    private partial void LogStarted(Guid snapshotId, string blobKey, string store);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hashed snapshot {SnapshotId}: {Bytes} bytes in {Seconds:0.0} s ({MegabytesPerSecond:0} MB/s)")]
    private partial void LogFinished(Guid snapshotId, long bytes, double seconds, double megabytesPerSecond);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the lease on snapshot {SnapshotId}; another verifier took it over")]
    private partial void LogLostLease(Guid snapshotId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Snapshot verification failed for {SnapshotId}; it will be retried when its lease lapses")]
    private partial void LogFailed(Exception exception, Guid? snapshotId);
}
