namespace Portal.Domain;

public enum SnapshotStatus
{
    /// <summary>Parts are being uploaded.</summary>
    Uploading,

    /// <summary>The object is complete in the store, waiting to be hashed.</summary>
    Uploaded,

    /// <summary>The portal is reading the stored bytes and computing their SHA-256.</summary>
    Verifying,

    /// <summary>The stored bytes match the declared digest and size; a second core developer must approve.</summary>
    AwaitingApproval,

    /// <summary>Hashed by the portal and approved by someone other than the uploader.</summary>
    Verified,

    /// <summary>The stored bytes do not match what was declared. Cannot be published.</summary>
    Mismatch,

    Published,

    Revoked,
}

/// <summary>
/// A chain-state snapshot validators can restart from (CyberMiles: 18 GB at height 1724748). It is trusted only
/// when the portal itself hashed the stored bytes and found the declared digest and size, and a core developer
/// other than the one who uploaded it approved it.
/// </summary>
public sealed class Snapshot
{
    public const int BlockHashMax = 128;
    public const int FileNameMax = 200;
    public const int NotesMax = 5_000;
    public const int BlobKeyMax = 1024;

    /// <summary>
    /// The largest snapshot the portal takes: 5 TiB, S3's object limit (and 10,000 parts of at most 550 MiB).
    /// Chain snapshots run to tens of gigabytes; anything near <see cref="long.MaxValue"/> is a typo or an attack.
    /// </summary>
    public const long MaxSizeBytes = 5L * 1024 * 1024 * 1024 * 1024;

    private Snapshot()
    {
        BlockHash = BlobKey = FileName = UploadedBy = string.Empty;
    }

    public Guid Id { get; private set; }
    public Guid IncidentId { get; private set; }
    public long Height { get; private set; }
    public string BlockHash { get; private set; }
    public Sha256Digest DeclaredSha256 { get; private set; }
    public long DeclaredSize { get; private set; }
    public string FileName { get; private set; }
    public string? Notes { get; private set; }
    public string BlobKey { get; private set; }
    public string? UploadId { get; private set; }
    public SnapshotStatus Status { get; private set; }
    public string UploadedBy { get; private set; }
    public Guid UploadedById { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public long HashedBytes { get; private set; }
    public string? ComputedSha256 { get; private set; }
    public long? ComputedSize { get; private set; }
    public DateTimeOffset? HashedAt { get; private set; }
    public int VerificationAttempts { get; private set; }
    public string? ApprovedBy { get; private set; }
    public DateTimeOffset? ApprovedAt { get; private set; }
    public DateTimeOffset? PublishedAt { get; private set; }
    public DateTimeOffset? RevokedAt { get; private set; }
    public string? RevokedReason { get; private set; }

    public static Snapshot Declare(
        Incident incident, BlockHeight height, string blockHash, Sha256Digest sha256, long size, string fileName, string? notes,
        string uploadedBy, Guid uploadedById, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(incident);
        if (SizeProblem(size) is { } sizeProblem)
        {
            throw new DomainException(sizeProblem, "sizeBytes");
        }

        var name = Text.Required(fileName, "file name", FileNameMax, "fileName");
        if (FileNameProblem(name) is { } nameProblem)
        {
            throw new DomainException(nameProblem, "fileName");
        }

        var id = Guid.CreateVersion7(at);
        return new Snapshot
        {
            Id = id,
            IncidentId = incident.Id,
            Height = height.Value,
            BlockHash = Text.Required(blockHash, "block hash", BlockHashMax, "blockHash"),
            DeclaredSha256 = sha256,
            DeclaredSize = size,
            FileName = name,
            Notes = Text.Optional(notes, "notes", NotesMax, "notes"),
            BlobKey = $"snapshots/{id:N}/{name}",
            Status = SnapshotStatus.Uploading,
            UploadedBy = uploadedBy,
            UploadedById = uploadedById,
            CreatedAt = at,
        };
    }

    /// <summary>For an object put in the store with other tools (aws s3 cp, rclone): starts at Uploaded.</summary>
    public void RegisterExisting(string blobKey)
    {
        EnsureStatus(SnapshotStatus.Uploading, "registered");
        var key = Text.Required(blobKey, "object key", BlobKeyMax, "blobKey");
        BlobKey = BlobKeyProblem(key) is { } problem ? throw new DomainException(problem, "blobKey") : key;
        Status = SnapshotStatus.Uploaded;
    }

    public void StartUpload(string uploadId)
    {
        EnsureStatus(SnapshotStatus.Uploading, "uploaded");
        UploadId = uploadId;
    }

    public void CompleteUpload()
    {
        EnsureStatus(SnapshotStatus.Uploading, "completed");
        UploadId = null;
        Status = SnapshotStatus.Uploaded;
    }

    /// <summary>
    /// (Re)starts hashing from the first byte. A pass interrupted by a crash or restart is never resumed from
    /// the middle: only a complete pass over the stored bytes may vouch for them.
    /// </summary>
    public void StartVerification()
    {
        if (Status is not (SnapshotStatus.Uploaded or SnapshotStatus.Verifying))
        {
            throw new IllegalTransitionException($"A {Describe(Status)} snapshot is not waiting to be verified.");
        }

        Status = SnapshotStatus.Verifying;
        HashedBytes = 0;
        ComputedSha256 = null;
        ComputedSize = null;
        VerificationAttempts++;
    }

    public void ReportProgress(long hashedBytes)
    {
        EnsureStatus(SnapshotStatus.Verifying, "hashed");
        HashedBytes = hashedBytes;
    }

    /// <summary>Records a full pass. Returns true when the bytes match what was declared.</summary>
    public bool FinishVerification(string sha256Hex, long size, DateTimeOffset at)
    {
        EnsureStatus(SnapshotStatus.Verifying, "hashed");
        ComputedSha256 = sha256Hex;
        ComputedSize = size;
        HashedBytes = size;
        HashedAt = at;
        var matches = sha256Hex == DeclaredSha256.Hex && size == DeclaredSize;
        Status = !matches ? SnapshotStatus.Mismatch : ApprovedBy is null ? SnapshotStatus.AwaitingApproval : SnapshotStatus.Verified;
        return matches;
    }

    /// <summary>The second person of the two-person rule: never the uploader.</summary>
    public void Approve(string by, Guid byId, DateTimeOffset at)
    {
        if (byId == UploadedById)
        {
            throw new IllegalTransitionException("You uploaded this snapshot; another core developer must approve it.");
        }

        EnsureStatus(SnapshotStatus.AwaitingApproval, "approved");
        ApprovedBy = by;
        ApprovedAt = at;
        Status = SnapshotStatus.Verified;
    }

    public void Publish(DateTimeOffset at)
    {
        if (Status == SnapshotStatus.Mismatch)
        {
            throw new IllegalTransitionException("This snapshot's bytes do not match its declared SHA-256 or size; it can never be published.");
        }

        EnsureStatus(SnapshotStatus.Verified, "published");
        Status = SnapshotStatus.Published;
        PublishedAt = at;
    }

    public void Revoke(string reason, DateTimeOffset at)
    {
        if (Status == SnapshotStatus.Revoked)
        {
            throw new IllegalTransitionException("This snapshot is already revoked.");
        }

        RevokedReason = Text.Required(reason, "reason for revoking", Limits.NoteMax, "reason", multiLine: true);
        RevokedAt = at;
        Status = SnapshotStatus.Revoked;
    }

    /// <summary>Why <paramref name="size"/> cannot be a snapshot's size, or null.</summary>
    public static string? SizeProblem(long size) =>
        size <= 0 ? "The snapshot size must be a positive number of bytes."
        : size > MaxSizeBytes ? $"A snapshot can be at most {MaxSizeBytes:N0} bytes (5 TiB)."
        : null;

    /// <summary>A file name is one path segment: no slashes, not "." or "..", nothing a shell or a file system reads as a path.</summary>
    public static string? FileNameProblem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Any(c => c is '/' or '\\' || char.IsControl(c)))
        {
            return "The file name cannot contain slashes or control characters.";
        }

        return name.Trim('.').Length == 0 ? "The file name cannot be only dots." : null;
    }

    /// <summary>
    /// An object key registered by hand must be a plain relative key: segments separated by "/", none empty,
    /// "." or "..", no backslash or control character, so it can never name something outside the store.
    /// </summary>
    public static string? BlobKeyProblem(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length > BlobKeyMax)
        {
            return $"The object key must be at most {BlobKeyMax} characters.";
        }

        if (key.Any(c => c == '\\' || char.IsControl(c)) || key.Contains(':', StringComparison.Ordinal))
        {
            return "The object key cannot contain backslashes, colons or control characters.";
        }

        return key.Split('/').Any(segment => segment is "" or "." or ".." || segment.Trim().Length == 0)
            ? "The object key must be a relative path like snapshots/mainnet-1724747.tar: no leading '/', no empty, '.' or '..' segments."
            : null;
    }

    public static string Describe(SnapshotStatus status) => status switch
    {
        SnapshotStatus.AwaitingApproval => "awaiting approval",
        _ => status.ToString().ToLowerInvariant(),
    };

    private void EnsureStatus(SnapshotStatus expected, string action)
    {
        if (Status != expected)
        {
            throw new IllegalTransitionException($"A {Describe(Status)} snapshot cannot be {action}; it must be {Describe(expected)}.");
        }
    }
}
