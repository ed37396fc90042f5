namespace Portal.Data.Blobs;

public sealed record BlobInfo(string Key, long Size);

public sealed record UploadedPart(int Number, string ETag, long Size);

/// <summary>
/// Where snapshot bytes live: S3 (AWS, MinIO, R2) or the local disk. Large objects arrive in parts and leave
/// as streams; the portal never holds a whole object in memory. Where the store can sign URLs (S3), browsers
/// upload and download directly; where it cannot (local disk), the portal streams the bytes itself.
/// </summary>
public interface IBlobStore
{
    /// <summary>"s3" or "local", for logs and the readiness check.</summary>
    string Kind { get; }

    /// <summary>True when browsers talk to the store directly through presigned URLs.</summary>
    bool SupportsPresignedUrls { get; }

    Task<BlobInfo?> StatAsync(string key, CancellationToken cancellationToken = default);

    Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default);

    Task<string> StartMultipartAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>A URL the browser PUTs one part to; null when the store cannot sign (upload through the portal).</summary>
    Task<Uri?> PresignPartAsync(string key, string uploadId, int partNumber, TimeSpan validFor);

    /// <summary>Stores one part from a stream (the portal's own upload path).</summary>
    Task<UploadedPart> WritePartAsync(string key, string uploadId, int partNumber, Stream content, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<UploadedPart>> ListPartsAsync(string key, string uploadId, CancellationToken cancellationToken = default);

    Task CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken = default);

    Task AbortMultipartAsync(string key, string uploadId, CancellationToken cancellationToken = default);

    /// <summary>A time-limited download URL; null when the store cannot sign (the portal streams instead).</summary>
    Task<Uri?> PresignDownloadAsync(string key, string fileName, TimeSpan validFor);

    /// <summary>Throws when the store cannot be reached; used by <c>/readyz</c>.</summary>
    Task CheckAsync(CancellationToken cancellationToken = default);
}

public sealed class BlobOptions
{
    public const string Section = "Portal:Blobs";

    /// <summary>"local" (default) or "s3".</summary>
    public string Provider { get; set; } = "local";

    public LocalBlobOptions Local { get; set; } = new();

    public S3BlobOptions S3 { get; set; } = new();
}

public sealed class LocalBlobOptions
{
    /// <summary>Folder for the objects; relative paths are under the content root.</summary>
    public string Path { get; set; } = "blobs";
}

public sealed class S3BlobOptions
{
    /// <summary>Endpoint for MinIO, R2 or another S3-compatible service; empty for AWS itself.</summary>
    public string? ServiceUrl { get; set; }

    public string Region { get; set; } = "us-east-1";

    public string Bucket { get; set; } = "snapshots";

    /// <summary>Path-style addressing (bucket in the path), which MinIO and most self-hosted services need.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>Optional; without them the standard AWS chain applies (environment, profile, instance role).</summary>
    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }
}
