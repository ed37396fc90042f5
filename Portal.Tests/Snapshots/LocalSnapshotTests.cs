using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Snapshots;

namespace Portal.Tests.Snapshots;

/// <summary>The local-disk store: the portal streams parts to disk and serves downloads itself, with Range.</summary>
public sealed class LocalSnapshotTests(LocalSnapshotPortal portal) : IClassFixture<LocalSnapshotPortal>
{
    private const long MiB = 1024 * 1024;

    private async Task<(Guid Id, string Sha, long PartSize)> PublishedAsync(int seed, long size)
    {
        var incident = await DemoIncident.LoadAsync(portal);
        var uploader = await TestUsers.CreateAsync(portal, ["coredev"]);
        var reviewer = await TestUsers.CreateAsync(portal, ["coredev"]);
        var driver = new SnapshotDriver(portal, uploader.Token);
        var partSize = SnapshotService.PartSizeFor(size);
        var (sha, _) = SnapshotBytes.Digest(seed, size, partSize);
        var id = (await driver.DeclareAsync(incident.Id, sha, size, $"local-{seed}.tar")).GetProperty("id").GetGuid();
        await driver.UploadAsync(id, (n, length) => SnapshotBytes.Part(seed, n, length));
        Assert.Equal("awaitingApproval", (await driver.WaitForVerdictAsync(id)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await new SnapshotDriver(portal, reviewer.Token).PostAsync($"/api/v1/snapshots/{id}/approve")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await driver.PostAsync($"/api/v1/snapshots/{id}/publish")).StatusCode);
        return (id, sha, partSize);
    }

    private Uri DownloadLink(Guid id, TimeSpan validFor) => portal.Services.GetRequiredService<PartLinks>().ForDownload(id, validFor);

    [Fact]
    public async Task Parts_stream_to_disk_through_signed_portal_links_and_downloads_honour_range_requests()
    {
        var (id, sha, partSize) = await PublishedAsync(seed: 10, size: 130 * MiB);
        var client = portal.CreateClient();

        using var whole = await client.GetAsync(DownloadLink(id, TimeSpan.FromMinutes(5)), HttpCompletionOption.ResponseHeadersRead);
        var digest = Convert.ToHexStringLower(await SHA256.HashDataAsync(await whole.Content.ReadAsStreamAsync()));
        using var request = new HttpRequestMessage(HttpMethod.Get, DownloadLink(id, TimeSpan.FromMinutes(5))) { Headers = { Range = new RangeHeaderValue(partSize, partSize + 99) } };
        using var ranged = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("local-10.tar", whole.Content.Headers.ContentDisposition?.FileNameStar ?? whole.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal(sha, digest);
        Assert.Equal(HttpStatusCode.PartialContent, ranged.StatusCode);
        Assert.Equal(SnapshotBytes.Part(10, 2, partSize)[..100], await ranged.Content.ReadAsByteArrayAsync());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(portal.BlobFolder, ".uploads")));
    }

    [Fact]
    public async Task An_expired_or_altered_download_link_is_refused_and_a_revoked_snapshot_loses_its_link()
    {
        var (id, _, _) = await PublishedAsync(seed: 11, size: 2 * MiB);
        var client = portal.CreateClient();
        var expired = await client.GetAsync(DownloadLink(id, TimeSpan.FromSeconds(-1)));
        var valid = DownloadLink(id, TimeSpan.FromMinutes(5));
        var altered = await client.GetAsync(new Uri(valid.ToString()[..^3] + "abc", UriKind.Relative));
        var before = await client.GetAsync(valid, HttpCompletionOption.ResponseHeadersRead);

        var uploader = await TestUsers.CreateAsync(portal, ["coredev"]);
        var revoked = await new SnapshotDriver(portal, uploader.Token).PostAsync($"/api/v1/snapshots/{id}/revoke", new { reason = "built from a node with a corrupted database" });
        var after = await client.GetAsync(valid);
        var incidentId = await portal.Database.ScalarAsync<Guid>($"SELECT incident_id FROM snapshots WHERE id = '{id}'");
        var page = await client.GetStringAsync(new Uri($"/incidents/{incidentId}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Gone, expired.StatusCode);
        Assert.Contains("expired", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Gone, altered.StatusCode);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, after.StatusCode);
        Assert.Contains("revoked: built from a node with a corrupted database", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("Revoked: built from a node with a corrupted database", page, StringComparison.Ordinal);
        Assert.DoesNotContain($"snapshot-{id}\" data-status=\"published", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_verification_cut_off_by_a_crash_restarts_from_the_first_byte_and_only_a_full_pass_counts()
    {
        var incident = await DemoIncident.LoadAsync(portal);
        var uploader = await TestUsers.CreateAsync(portal, ["coredev"]);
        var driver = new SnapshotDriver(portal, uploader.Token);
        const long size = 9 * MiB;
        var (sha, _) = SnapshotBytes.Digest(12, size, SnapshotService.PartSizeFor(size));
        var id = (await driver.DeclareAsync(incident.Id, sha, size, "crashed.tar")).GetProperty("id").GetGuid();

        // Upload, but before the verifier gets to it, make it look like another instance was hashing it and died
        // a third of the way through: Verifying, progress recorded, lease already lapsed.
        await portal.Database.ExecuteAsync($"UPDATE snapshots SET verifier_lease_until = now() + interval '1 hour', verifier_owner = 'holding' WHERE id = '{id}'");
        await driver.UploadAsync(id, (n, length) => SnapshotBytes.Part(12, n, length));
        await portal.Database.ExecuteAsync($"""
            UPDATE snapshots SET status = 'Verifying', hashed_bytes = {size / 3}, verification_attempts = 1,
                verifier_owner = 'dead-instance', verifier_lease_until = now() - interval '1 second'
            WHERE id = '{id}'
            """);

        var verdict = await driver.WaitForVerdictAsync(id);
        var restarted = await portal.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM timeline_events WHERE incident_id = '{incident.Id}' AND summary LIKE '%verification restarted from the first byte (attempt 2)%'");

        Assert.Equal("awaitingApproval", verdict.GetProperty("status").GetString());
        Assert.Equal(size, verdict.GetProperty("hashedBytes").GetInt64());
        Assert.Equal(sha, verdict.GetProperty("computedSha256").GetString());
        Assert.Equal(2, await portal.Database.ScalarAsync<int>($"SELECT verification_attempts FROM snapshots WHERE id = '{id}'"));
        Assert.Equal(1L, restarted);
        Assert.Null(await portal.Database.ScalarAsync<string>($"SELECT verifier_owner FROM snapshots WHERE id = '{id}'"));
    }

    [Fact]
    public async Task The_database_itself_refuses_self_approval_and_unmatched_publication()
    {
        var (id, _, _) = await PublishedAsync(seed: 13, size: 1 * MiB);

        var self = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => portal.Database.ExecuteAsync($"UPDATE snapshots SET approved_by = uploaded_by WHERE id = '{id}'"));
        var unmatched = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => portal.Database.ExecuteAsync($"UPDATE snapshots SET computed_sha256 = repeat('0', 64) WHERE id = '{id}'"));

        Assert.Equal(Npgsql.PostgresErrorCodes.CheckViolation, self.SqlState);
        Assert.Equal(Npgsql.PostgresErrorCodes.CheckViolation, unmatched.SqlState);
    }

    [Fact]
    public async Task Operators_cannot_upload_or_approve_snapshots()
    {
        var incident = await DemoIncident.LoadAsync(portal);
        var op = await TestUsers.CreateAsync(portal, ["operator"]);

        var declare = await portal.CreateApiClient(op.Token).PostAsync(new Uri($"/api/v1/incidents/{incident.Id}/snapshots", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Forbidden, declare.StatusCode);
    }
}
