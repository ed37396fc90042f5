using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Blobs;
using Portal.Data.Identity;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Incidents;
using Portal.Web.Features.Users;

namespace Portal.Web.Features.Snapshots;

public sealed record DeclareSnapshot(long Height, string BlockHash, Sha256Digest Sha256, long SizeBytes, string FileName, string? Notes);

/// <summary>Where each part goes: a presigned URL (S3) or the portal's own part endpoint (local store).</summary>
public sealed record PartTarget(int Number, Uri Url, long Offset, long Size);

/// <summary>How to upload a snapshot; <see cref="Open"/> is false once it takes no more parts.</summary>
public sealed record UploadPlan(Guid SnapshotId, long PartSize, int PartCount, IReadOnlyList<int> UploadedParts, bool Open);

/// <summary>
/// Snapshots from declaration to publication. Every step is also an incident change: it bumps the revision,
/// lands on the timeline and reaches watchers, who see verification progress live.
/// </summary>
public sealed class SnapshotService(PortalDbContext db, IncidentWrites writes, IBlobStore store, PartLinks partLinks, CallerAccess access)
{
    /// <summary>64 MiB parts at least; more for huge objects so they fit S3's 10,000-part limit.</summary>
    public const long MinimumPartSize = 64L * 1024 * 1024;
    public const int MaxParts = 10_000;

    public static readonly TimeSpan PartUrlLifetime = TimeSpan.FromHours(6);

    public static long PartSizeFor(long size) => Math.Max(MinimumPartSize, (size + MaxParts - 1) / MaxParts);

    public static int PartCountFor(long size) => (int)((size + PartSizeFor(size) - 1) / PartSizeFor(size));

    /// <summary>Declares a snapshot and starts a multipart upload for it.</summary>
    public async Task<Snapshot> DeclareAsync(Guid incidentId, DeclareSnapshot request, ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(caller, Roles.Admin, Roles.CoreDev);
        return await writes.ChangeAsync(incidentId, Actor(caller), async change =>
        {
            var snapshot = Create(change.Incident, request, caller, change.Now);
            snapshot.StartUpload(await store.StartMultipartAsync(snapshot.BlobKey, cancellationToken));
            db.Snapshots.Add(snapshot);
            change.Incident.Changed(change.Now);
            change.Record(TimelineKinds.SnapshotDeclared, $"Snapshot at block {snapshot.Height} declared ({snapshot.DeclaredSize:N0} bytes, SHA-256 {snapshot.DeclaredSha256}); upload started.");
            return snapshot;
        }, cancellationToken);
    }

    /// <summary>Registers an object already uploaded with other tools; it must exist with the declared size.</summary>
    public async Task<Snapshot> RegisterAsync(Guid incidentId, DeclareSnapshot request, string blobKey, ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(caller, Roles.Admin, Roles.CoreDev);
        return await writes.ChangeAsync(incidentId, Actor(caller), async change =>
        {
            // Checked before the store sees it: a key like "../x" or "/etc/passwd" is the caller's error, not ours.
            if (Snapshot.BlobKeyProblem(blobKey.Trim()) is { } keyProblem)
            {
                throw new DomainException(keyProblem, "blobKey");
            }

            blobKey = blobKey.Trim();
            var found = await store.StatAsync(blobKey, cancellationToken)
                ?? throw new DomainException($"No object '{blobKey}' in the {store.Kind} store.", "blobKey");
            if (found.Size != request.SizeBytes)
            {
                throw new DomainException($"The object has {found.Size:N0} bytes, not the declared {request.SizeBytes:N0}.", "sizeBytes");
            }

            var snapshot = Create(change.Incident, request, caller, change.Now);
            snapshot.RegisterExisting(blobKey);
            db.Snapshots.Add(snapshot);
            change.PartChanged(ChangedParts.Snapshots);
            change.Incident.Changed(change.Now);
            change.Record(TimelineKinds.SnapshotDeclared, $"Snapshot at block {snapshot.Height} registered from {store.Kind} object {blobKey}; verification queued.");
            return snapshot;
        }, cancellationToken);
    }

    public async Task<UploadPlan> PlanAsync(Guid snapshotId, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.CoreDev);
        var snapshot = await FindAsync(snapshotId, cancellationToken);
        var uploaded = snapshot is { Status: SnapshotStatus.Uploading, UploadId: { } uploadId }
            ? (await store.ListPartsAsync(snapshot.BlobKey, uploadId, cancellationToken)).Where(p => p.Size == ExpectedPartSize(snapshot, p.Number)).Select(p => p.Number).ToList()
            : [];
        return new UploadPlan(snapshot.Id, PartSizeFor(snapshot.DeclaredSize), PartCountFor(snapshot.DeclaredSize), uploaded, snapshot.Status == SnapshotStatus.Uploading);
    }

    /// <summary>Upload targets for the given parts, valid for <see cref="PartUrlLifetime"/>.</summary>
    public async Task<IReadOnlyList<PartTarget>> PartTargetsAsync(Guid snapshotId, IReadOnlyList<int> numbers, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.CoreDev);
        var snapshot = await FindAsync(snapshotId, cancellationToken);
        if (snapshot is not { Status: SnapshotStatus.Uploading, UploadId: { } uploadId })
        {
            throw new IllegalTransitionException($"This snapshot is {Snapshot.Describe(snapshot.Status)}; it takes no more parts.");
        }

        var count = PartCountFor(snapshot.DeclaredSize);
        var partSize = PartSizeFor(snapshot.DeclaredSize);
        var targets = new List<PartTarget>();
        foreach (var number in numbers.Distinct().Order())
        {
            if (number < 1 || number > count)
            {
                throw new DomainException($"Part numbers run from 1 to {count}.", "parts");
            }

            var url = await store.PresignPartAsync(snapshot.BlobKey, uploadId, number, PartUrlLifetime)
                ?? partLinks.ForPart(snapshot.Id, number, PartUrlLifetime);
            targets.Add(new PartTarget(number, url, (number - 1) * partSize, ExpectedPartSize(snapshot, number)));
        }

        return targets;
    }

    /// <summary>The local store's upload path: the portal streams one part to disk.</summary>
    public async Task WritePartAsync(Guid snapshotId, int number, Stream body, CancellationToken cancellationToken = default)
    {
        var snapshot = await FindAsync(snapshotId, cancellationToken);
        if (snapshot is not { Status: SnapshotStatus.Uploading, UploadId: { } uploadId })
        {
            throw new IllegalTransitionException($"This snapshot is {Snapshot.Describe(snapshot.Status)}; it takes no more parts.");
        }

        await store.WritePartAsync(snapshot.BlobKey, uploadId, number, body, cancellationToken);
    }

    /// <summary>Completes the upload once every part is in place with its expected size; verification follows.</summary>
    public async Task<Snapshot> CompleteAsync(Guid snapshotId, ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(caller, Roles.Admin, Roles.CoreDev);
        var incidentId = await IncidentOfAsync(snapshotId, cancellationToken);
        return await writes.ChangeAsync(incidentId, Actor(caller), async change =>
        {
            var snapshot = await db.Snapshots.SingleAsync(s => s.Id == snapshotId, cancellationToken);
            if (snapshot is not { Status: SnapshotStatus.Uploading, UploadId: { } uploadId })
            {
                throw new IllegalTransitionException($"This snapshot is {Snapshot.Describe(snapshot.Status)}; there is no upload to complete.");
            }

            var parts = await store.ListPartsAsync(snapshot.BlobKey, uploadId, cancellationToken);
            var count = PartCountFor(snapshot.DeclaredSize);
            var missing = Enumerable.Range(1, count).Where(n => parts.All(p => p.Number != n || p.Size != ExpectedPartSize(snapshot, n))).ToList();
            if (missing.Count > 0)
            {
                throw new IllegalTransitionException($"{missing.Count} of {count} parts are missing or incomplete (first: part {missing[0]}); upload them, then complete.");
            }

            await store.CompleteMultipartAsync(snapshot.BlobKey, uploadId, [.. parts.Where(p => p.Number <= count)], cancellationToken);
            snapshot.CompleteUpload();
            change.PartChanged(ChangedParts.Snapshots);
            change.Incident.Changed(change.Now);
            change.Record(TimelineKinds.SnapshotUploaded, $"Snapshot at block {snapshot.Height} uploaded ({count} parts); the portal is hashing it.");
            return snapshot;
        }, cancellationToken);
    }

    public Task<Snapshot> ApproveAsync(Guid snapshotId, ClaimsPrincipal caller, CancellationToken cancellationToken = default) =>
        ChangeAsync(snapshotId, caller, (snapshot, change) =>
        {
            snapshot.Approve(Actor(caller), UserEndpoints.CallerId(caller)!.Value, change.Now);
            change.Record(TimelineKinds.SnapshotVerified, $"Snapshot at block {snapshot.Height} approved by a second core developer; it is verified.");
        }, cancellationToken);

    public Task<Snapshot> PublishAsync(Guid snapshotId, ClaimsPrincipal caller, CancellationToken cancellationToken = default) =>
        ChangeAsync(snapshotId, caller, (snapshot, change) =>
        {
            snapshot.Publish(change.Now);
            change.Record(TimelineKinds.SnapshotPublished, $"Snapshot at block {snapshot.Height} published: SHA-256 {snapshot.DeclaredSha256}, {snapshot.DeclaredSize:N0} bytes.");
            change.Raise(Notifications.NotificationEvents.SnapshotReady(change, snapshot));
        }, cancellationToken);

    public Task<Snapshot> RevokeAsync(Guid snapshotId, string reason, ClaimsPrincipal caller, CancellationToken cancellationToken = default) =>
        ChangeAsync(snapshotId, caller, (snapshot, change) =>
        {
            snapshot.Revoke(reason, change.Now);
            change.Record(TimelineKinds.SnapshotRevoked, $"Snapshot at block {snapshot.Height} revoked: {snapshot.RevokedReason}");
        }, cancellationToken);

    /// <summary>The incident's snapshots, newest first.</summary>
    public async Task<IReadOnlyList<Snapshot>> ListAsync(Guid incidentId, ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(caller, Roles.Admin, Roles.CoreDev);
        return await db.Snapshots.AsNoTracking().Where(s => s.IncidentId == incidentId).OrderByDescending(s => s.CreatedAt).ToListAsync(cancellationToken);
    }

    public async Task<Snapshot> FindAsync(Guid snapshotId, CancellationToken cancellationToken = default) =>
        await db.Snapshots.AsNoTracking().SingleOrDefaultAsync(s => s.Id == snapshotId, cancellationToken)
            ?? throw new NotFoundException($"No snapshot {snapshotId}.");

    private async Task<Snapshot> ChangeAsync(Guid snapshotId, ClaimsPrincipal caller, Action<Snapshot, IncidentChange> apply, CancellationToken cancellationToken)
    {
        await access.RequireAsync(caller, Roles.Admin, Roles.CoreDev);
        var incidentId = await IncidentOfAsync(snapshotId, cancellationToken);
        return await writes.ChangeAsync(incidentId, Actor(caller), async change =>
        {
            var snapshot = await db.Snapshots.SingleAsync(s => s.Id == snapshotId, cancellationToken);
            apply(snapshot, change);
            change.PartChanged(ChangedParts.Snapshots);
            change.Incident.Changed(change.Now);
            return snapshot;
        }, cancellationToken);
    }

    private async Task<Guid> IncidentOfAsync(Guid snapshotId, CancellationToken cancellationToken) =>
        await db.Snapshots.Where(s => s.Id == snapshotId).Select(s => (Guid?)s.IncidentId).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"No snapshot {snapshotId}.");

    private static Snapshot Create(Incident incident, DeclareSnapshot request, ClaimsPrincipal caller, DateTimeOffset at) =>
        Snapshot.Declare(incident, BlockHeight.Create(request.Height), request.BlockHash, request.Sha256, request.SizeBytes, request.FileName, request.Notes,
            Actor(caller), UserEndpoints.CallerId(caller) ?? throw new ForbiddenException("Sign in to upload snapshots."), at);

    private static long ExpectedPartSize(Snapshot snapshot, int number)
    {
        var partSize = PartSizeFor(snapshot.DeclaredSize);
        return Math.Min(partSize, snapshot.DeclaredSize - ((number - 1) * partSize));
    }

    private static string Actor(ClaimsPrincipal caller) => caller.Identity?.Name ?? "?";
}
