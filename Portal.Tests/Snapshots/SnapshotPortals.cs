using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Portal.Data.Blobs;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Snapshots;

/// <summary>The demo portal storing snapshots in a fresh bucket on the test's moto_server, verifying with short leases.</summary>
public class S3SnapshotPortal : PortalFactory
{
    public string Bucket { get; } = "snapshots-" + Guid.NewGuid().ToString("N")[..12];

    protected override bool SeedDemo => true;

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Portal:Blobs:Provider", "s3"),
        new("Portal:Blobs:S3:ServiceUrl", TestEnvironment.S3Endpoint),
        new("Portal:Blobs:S3:Bucket", Bucket),
        new("Portal:Blobs:S3:ForcePathStyle", "true"),
        new("Portal:Blobs:S3:AccessKey", "test"),
        new("Portal:Blobs:S3:SecretKey", "test"),
        new("Portal:Snapshots:LeaseSeconds", "2"),
        new("Portal:Snapshots:PollSeconds", "1"),
    ];

    protected override async Task BeforeStartAsync()
    {
        using var store = new S3BlobStore(new S3BlobOptions { ServiceUrl = TestEnvironment.S3Endpoint, Bucket = Bucket, ForcePathStyle = true, AccessKey = "test", SecretKey = "test" });
        await store.EnsureBucketAsync();
    }
}

/// <summary>The same, on the local-disk store (the default of ./portal run).</summary>
public class LocalSnapshotPortal : PortalFactory
{
    protected override bool SeedDemo => true;

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
        [new("Portal:Snapshots:LeaseSeconds", "2"), new("Portal:Snapshots:PollSeconds", "1")];
}

/// <summary>Deterministic pseudo-random bytes, generated part by part, so a 200 MiB object never needs a file.</summary>
public static class SnapshotBytes
{
    public static byte[] Part(int seed, int number, long size)
    {
        var bytes = new byte[size];
        new Random(HashCode.Combine(seed, number)).NextBytes(bytes);
        return bytes;
    }

    public static (string Sha256, long Size) Digest(int seed, long totalSize, long partSize)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var parts = (int)((totalSize + partSize - 1) / partSize);
        for (var n = 1; n <= parts; n++)
        {
            sha.AppendData(Part(seed, n, Math.Min(partSize, totalSize - ((n - 1) * partSize))));
        }

        return (Convert.ToHexStringLower(sha.GetHashAndReset()), totalSize);
    }
}

/// <summary>Drives the snapshot API as an upload script or the browser uploader would.</summary>
public sealed class SnapshotDriver(PortalFactory portal, string token)
{
    private readonly HttpClient _api = portal.CreateApiClient(token);

    public async Task<JsonElement> DeclareAsync(Guid incidentId, string sha256, long size, string fileName = "travis_ss_mainnet_1724748.tar")
    {
        var response = await _api.PostAsJsonAsync(new Uri($"/api/v1/incidents/{incidentId}/snapshots", UriKind.Relative),
            new { height = 1724748, blockHash = "0xB2F1C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90", sha256, sizeBytes = size, fileName });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Uploads every part to the URL the portal hands out (presigned S3, or the portal's signed link), then completes.</summary>
    public async Task UploadAsync(Guid snapshotId, Func<int, long, byte[]> part, IEnumerable<int>? only = null, bool complete = true)
    {
        var plan = await _api.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/snapshots/{snapshotId}/upload", UriKind.Relative));
        var count = plan.GetProperty("partCount").GetInt32();
        var numbers = (only ?? Enumerable.Range(1, count)).ToArray();
        var targets = await (await _api.PostAsJsonAsync(new Uri($"/api/v1/snapshots/{snapshotId}/upload/parts", UriKind.Relative), new { parts = numbers }))
            .Content.ReadFromJsonAsync<JsonElement>();
        using var raw = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var portalClient = portal.CreateClient();
        foreach (var target in targets.EnumerateArray())
        {
            var url = target.GetProperty("url").GetString()!;
            using var content = new ByteArrayContent(part(target.GetProperty("number").GetInt32(), target.GetProperty("size").GetInt64()));
            var put = url.StartsWith('/')
                ? await portalClient.PutAsync(new Uri(url, UriKind.Relative), content)
                : await raw.PutAsync(new Uri(url), content);
            Assert.True(put.IsSuccessStatusCode, $"part {target.GetProperty("number")}: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
        }

        if (complete)
        {
            var done = await _api.PostAsync(new Uri($"/api/v1/snapshots/{snapshotId}/upload/complete", UriKind.Relative), null);
            Assert.True(done.IsSuccessStatusCode, await done.Content.ReadAsStringAsync());
        }
    }

    public async Task<JsonElement> GetAsync(Guid snapshotId) =>
        await _api.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/snapshots/{snapshotId}", UriKind.Relative));

    /// <summary>Waits until the verifier has moved the snapshot out of uploaded/verifying.</summary>
    public async Task<JsonElement> WaitForVerdictAsync(Guid snapshotId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        while (true)
        {
            var snapshot = await GetAsync(snapshotId);
            var status = snapshot.GetProperty("status").GetString();
            if (status is not ("uploaded" or "verifying") || DateTime.UtcNow > deadline)
            {
                return snapshot;
            }

            await Task.Delay(250);
        }
    }

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null) =>
        body is null ? _api.PostAsync(new Uri(path, UriKind.Relative), null) : _api.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
}
