using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Portal.Data.Blobs;

/// <summary>
/// S3 and compatible services (MinIO, R2). Browsers upload parts and download objects directly with presigned
/// URLs; the portal only signs, lists, completes, and reads the object once to hash it.
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    private readonly AmazonS3Client _client;
    private readonly S3BlobOptions _options;
    private readonly Protocol _protocol;

    public S3BlobStore(S3BlobOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            // Compatible services differ in which integrity checksums they accept; only send them when required.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (!string.IsNullOrEmpty(options.ServiceUrl))
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        _protocol = options.ServiceUrl?.StartsWith("http://", StringComparison.OrdinalIgnoreCase) == true ? Protocol.HTTP : Protocol.HTTPS;
        _client = options.AccessKey is { Length: > 0 } && options.SecretKey is { Length: > 0 }
            ? new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config)
            : new AmazonS3Client(config);
    }

    public string Kind => "s3";

    public bool SupportsPresignedUrls => true;

    public async Task<BlobInfo?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            var head = await _client.GetObjectMetadataAsync(_options.Bucket, key, cancellationToken);
            return new BlobInfo(key, head.ContentLength);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var response = await _client.GetObjectAsync(_options.Bucket, key, cancellationToken);
        return new OwnedStream(response.ResponseStream, response);
    }

    public async Task<string> StartMultipartAsync(string key, CancellationToken cancellationToken = default) =>
        (await _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _options.Bucket, Key = key }, cancellationToken)).UploadId;

    public async Task<Uri?> PresignPartAsync(string key, string uploadId, int partNumber, TimeSpan validFor) =>
        new(await _client.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = _options.Bucket,
            Key = key,
            Verb = HttpVerb.PUT,
            UploadId = uploadId,
            PartNumber = partNumber,
            Expires = DateTime.UtcNow.Add(validFor),
            Protocol = _protocol,
        }));

    public async Task<UploadedPart> WritePartAsync(string key, string uploadId, int partNumber, Stream content, CancellationToken cancellationToken = default)
    {
        var response = await _client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = _options.Bucket,
            Key = key,
            UploadId = uploadId,
            PartNumber = partNumber,
            InputStream = content,
        }, cancellationToken);
        return new UploadedPart(partNumber, response.ETag, content.CanSeek ? content.Length : 0);
    }

    public async Task<IReadOnlyList<UploadedPart>> ListPartsAsync(string key, string uploadId, CancellationToken cancellationToken = default)
    {
        var parts = new List<UploadedPart>();
        int? marker = null;
        while (true)
        {
            var page = await _client.ListPartsAsync(new ListPartsRequest
            {
                BucketName = _options.Bucket,
                Key = key,
                UploadId = uploadId,
                PartNumberMarker = marker?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }, cancellationToken);
            parts.AddRange((page.Parts ?? []).Select(p => new UploadedPart(p.PartNumber ?? 0, p.ETag, p.Size ?? 0)));
            if (page.IsTruncated != true)
            {
                return parts;
            }

            marker = page.NextPartNumberMarker;
        }
    }

    public async Task CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parts);
        await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = _options.Bucket,
            Key = key,
            UploadId = uploadId,
            PartETags = [.. parts.OrderBy(p => p.Number).Select(p => new PartETag(p.Number, p.ETag))],
        }, cancellationToken);
    }

    public async Task AbortMultipartAsync(string key, string uploadId, CancellationToken cancellationToken = default) =>
        await _client.AbortMultipartUploadAsync(_options.Bucket, key, uploadId, cancellationToken);

    public async Task<Uri?> PresignDownloadAsync(string key, string fileName, TimeSpan validFor) =>
        new(await _client.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = _options.Bucket,
            Key = key,
            Verb = HttpVerb.GET,
            Expires = DateTime.UtcNow.Add(validFor),
            Protocol = _protocol,
            ResponseHeaderOverrides = { ContentDisposition = $"attachment; filename=\"{fileName.Replace("\"", "", StringComparison.Ordinal)}\"" },
        }));

    public async Task CheckAsync(CancellationToken cancellationToken = default) =>
        await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _options.Bucket, MaxKeys = 1 }, cancellationToken);

    /// <summary>Creates the bucket if it is missing (tests and first runs against MinIO).</summary>
    public async Task EnsureBucketAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _client.PutBucketAsync(new PutBucketRequest { BucketName = _options.Bucket }, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>Disposes the S3 response (and its connection) with the stream.</summary>
    private sealed class OwnedStream(Stream inner, IDisposable owner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                owner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
