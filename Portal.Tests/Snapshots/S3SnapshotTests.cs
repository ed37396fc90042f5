using System.Net;
using System.Text.Json;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Snapshots;

namespace Portal.Tests.Snapshots;

/// <summary>Snapshots on S3 (moto_server): presigned multipart upload, server-side hashing, two people, publish, download.</summary>
public sealed class S3SnapshotTests(S3SnapshotPortal portal) : IClassFixture<S3SnapshotPortal>
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task A_200_MiB_object_uploaded_through_presigned_part_urls_is_hashed_approved_by_a_second_person_published_and_downloadable()
    {
        var incident = await DemoIncident.LoadAsync(portal);
        var uploader = await TestUsers.CreateAsync(portal, ["coredev"]);
        var reviewer = await TestUsers.CreateAsync(portal, ["coredev"]);
        var driver = new SnapshotDriver(portal, uploader.Token);
        const long size = 200 * MiB;
        var partSize = SnapshotService.PartSizeFor(size);
        var (sha, _) = SnapshotBytes.Digest(seed: 1, size, partSize);

        var declared = await driver.DeclareAsync(incident.Id, sha, size);
        var id = declared.GetProperty("id").GetGuid();
        Assert.Equal(4, declared.GetProperty("partCount").GetInt32());
        Assert.Equal(64 * MiB, declared.GetProperty("partSize").GetInt64());
        await driver.UploadAsync(id, (n, length) => SnapshotBytes.Part(1, n, length));

        var hashed = await driver.WaitForVerdictAsync(id);
        var selfApproval = await driver.PostAsync($"/api/v1/snapshots/{id}/approve");
        var publishUnapproved = await driver.PostAsync($"/api/v1/snapshots/{id}/publish");
        var approved = await new SnapshotDriver(portal, reviewer.Token).PostAsync($"/api/v1/snapshots/{id}/approve");
        var published = await driver.PostAsync($"/api/v1/snapshots/{id}/publish");

        Assert.Equal("awaitingApproval", hashed.GetProperty("status").GetString());
        Assert.Equal(sha, hashed.GetProperty("computedSha256").GetString());
        Assert.Equal(size, hashed.GetProperty("computedSize").GetInt64());
        Assert.Equal(HttpStatusCode.Conflict, selfApproval.StatusCode);
        Assert.Contains("another core developer must approve", await selfApproval.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, publishUnapproved.StatusCode);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);

        // The incident page offers it, with a download link that redirects to a short-lived presigned URL.
        var page = await portal.CreateClient().GetStringAsync(new Uri($"/incidents/{incident.Id}", UriKind.Relative));
        var link = page[(page.IndexOf("href=\"/snapshots/download/", StringComparison.Ordinal) + 6)..];
        link = WebUtility.HtmlDecode(link[..link.IndexOf('"', StringComparison.Ordinal)]);
        var redirect = await portal.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false })
            .GetAsync(new Uri(link, UriKind.Relative));
        Assert.Contains(sha, page, StringComparison.Ordinal);
        Assert.Contains($"printf '%s\\n' '{sha}  travis_ss_mainnet_1724748.tar' | sha256sum -c", WebUtility.HtmlDecode(page), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.StartsWith(TestEnvironment.S3Endpoint, redirect.Headers.Location!.ToString(), StringComparison.Ordinal);
        // Ten minutes, give or take the second it took to sign.
        var expires = System.Text.RegularExpressions.Regex.Match(redirect.Headers.Location!.ToString(), "[?&]X-Amz-Expires=([0-9]+)");
        Assert.True(expires.Success, redirect.Headers.Location.ToString());
        Assert.InRange(int.Parse(expires.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 590, 605);
        using var raw = new HttpClient();
        using var ranged = new HttpRequestMessage(HttpMethod.Get, redirect.Headers.Location) { Headers = { Range = new System.Net.Http.Headers.RangeHeaderValue(0, 15) } };
        var firstBytes = await (await raw.SendAsync(ranged)).Content.ReadAsByteArrayAsync();
        Assert.Equal(SnapshotBytes.Part(1, 1, partSize)[..16], firstBytes);
    }

    [Fact]
    public async Task A_tampered_object_fails_verification_loudly_and_can_never_be_published()
    {
        var incident = await DemoIncident.LoadAsync(portal);
        var uploader = await TestUsers.CreateAsync(portal, ["coredev"]);
        var reviewer = await TestUsers.CreateAsync(portal, ["coredev"]);
        var driver = new SnapshotDriver(portal, uploader.Token);
        const long size = 70 * MiB;
        var (declaredSha, _) = SnapshotBytes.Digest(seed: 2, size, SnapshotService.PartSizeFor(size));

        var id = (await driver.DeclareAsync(incident.Id, declaredSha, size, "tampered.tar")).GetProperty("id").GetGuid();
        // Same size, one byte different in the second part: what a corrupted or swapped file looks like.
        await driver.UploadAsync(id, (n, length) =>
        {
            var bytes = SnapshotBytes.Part(2, n, length);
            if (n == 2)
            {
                bytes[^1] ^= 0xFF;
            }

            return bytes;
        });

        var verdict = await driver.WaitForVerdictAsync(id);
        var approve = await new SnapshotDriver(portal, reviewer.Token).PostAsync($"/api/v1/snapshots/{id}/approve");
        var publish = await driver.PostAsync($"/api/v1/snapshots/{id}/publish");
        // Signed in: the public view lists published snapshots only, and this one never can be.
        var signedIn = portal.CreateHttpsClient();
        await FormPost.SignInAsync(signedIn, reviewer.UserName, reviewer.Password);
        var page = await signedIn.GetStringAsync(new Uri($"/incidents/{incident.Id}", UriKind.Relative));
        var publicPage = await portal.CreateClient().GetStringAsync(new Uri($"/status/{incident.Id}", UriKind.Relative));

        Assert.DoesNotContain($"id=\"snapshot-{id}\"", publicPage, StringComparison.Ordinal);
        Assert.Contains($"id=\"snapshot-{id}\"", page, StringComparison.Ordinal);
        Assert.Equal("mismatch", verdict.GetProperty("status").GetString());
        Assert.NotEqual(declaredSha, verdict.GetProperty("computedSha256").GetString());
        Assert.Equal(HttpStatusCode.Conflict, approve.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, publish.StatusCode);
        Assert.Contains("can never be published", await publish.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("Do not use.", page, StringComparison.Ordinal);
        Assert.Contains(verdict.GetProperty("computedSha256").GetString()!, page, StringComparison.Ordinal);
        Assert.Equal(1L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM timeline_events WHERE incident_id = '{incident.Id}' AND kind = 'snapshot-mismatch'"));
    }

    [Fact]
    public async Task Completing_an_upload_with_a_missing_part_is_refused_and_resuming_uploads_only_what_is_missing()
    {
        var incident = await DemoIncident.LoadAsync(portal);
        var uploader = await TestUsers.CreateAsync(portal, ["coredev"]);
        var driver = new SnapshotDriver(portal, uploader.Token);
        const long size = 130 * MiB;
        var (sha, _) = SnapshotBytes.Digest(seed: 3, size, SnapshotService.PartSizeFor(size));
        var id = (await driver.DeclareAsync(incident.Id, sha, size, "resumed.tar")).GetProperty("id").GetGuid();

        await driver.UploadAsync(id, (n, length) => SnapshotBytes.Part(3, n, length), only: [1, 3], complete: false);
        var early = await driver.PostAsync($"/api/v1/snapshots/{id}/upload/complete");
        var plan = await portal.CreateApiClient(uploader.Token).GetStringAsync(new Uri($"/api/v1/snapshots/{id}/upload", UriKind.Relative));
        await driver.UploadAsync(id, (n, length) => SnapshotBytes.Part(3, n, length), only: [2]);
        var verdict = await driver.WaitForVerdictAsync(id);

        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Contains("1 of 3 parts are missing", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal([1, 3], JsonDocument.Parse(plan).RootElement.GetProperty("uploadedParts").EnumerateArray().Select(p => p.GetInt32()));
        Assert.Equal("awaitingApproval", verdict.GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_object_put_in_the_bucket_with_other_tools_can_be_registered_and_is_hashed_too()
    {
        var incident = await DemoIncident.LoadAsync(portal);
        var uploader = await TestUsers.CreateAsync(portal, ["coredev"]);
        using var store = new Portal.Data.Blobs.S3BlobStore(new() { ServiceUrl = TestEnvironment.S3Endpoint, Bucket = portal.Bucket, ForcePathStyle = true, AccessKey = "test", SecretKey = "test" });
        var bytes = SnapshotBytes.Part(4, 1, 3 * MiB);
        var upload = await store.StartMultipartAsync("manual/copied-with-aws-cli.tar");
        using (var stream = new MemoryStream(bytes))
        {
            var part = await store.WritePartAsync("manual/copied-with-aws-cli.tar", upload, 1, stream);
            await store.CompleteMultipartAsync("manual/copied-with-aws-cli.tar", upload, [part]);
        }

        var wrongSize = await portal.CreateApiClient(uploader.Token).PostAsync(new Uri($"/api/v1/incidents/{incident.Id}/snapshots", UriKind.Relative),
            JsonContent(new { height = 1724748, blockHash = "0xabc", sha256 = new string('a', 64), sizeBytes = 5, fileName = "x.tar", blobKey = "manual/copied-with-aws-cli.tar" }));
        var registered = await portal.CreateApiClient(uploader.Token).PostAsync(new Uri($"/api/v1/incidents/{incident.Id}/snapshots", UriKind.Relative),
            JsonContent(new { height = 1724748, blockHash = "0xabc", sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), sizeBytes = bytes.Length, fileName = "x.tar", blobKey = "manual/copied-with-aws-cli.tar" }));
        var id = JsonDocument.Parse(await registered.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var verdict = await new SnapshotDriver(portal, uploader.Token).WaitForVerdictAsync(id);

        Assert.Equal(HttpStatusCode.BadRequest, wrongSize.StatusCode);
        Assert.Contains("sizeBytes", await wrongSize.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        Assert.Equal("awaitingApproval", verdict.GetProperty("status").GetString());
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
}
