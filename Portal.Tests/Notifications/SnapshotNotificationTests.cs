using System.Net;
using Portal.Tests.Infrastructure;
using Portal.Tests.Snapshots;
using Portal.Tests.Web.Api;
using Portal.Web.Features.Snapshots;

namespace Portal.Tests.Notifications;

/// <summary>A snapshot uploaded, verified by the portal, approved by a second core developer and published reaches a subscriber.</summary>
public sealed class SnapshotNotificationTests : IAsyncLifetime
{
    private readonly NotificationPortal _portal = new(extra: new Dictionary<string, string> { ["Portal:Snapshots:PollSeconds"] = "1", ["Portal:Snapshots:LeaseSeconds"] = "2" });

    public Task InitializeAsync() => _portal.InitializeAsync();

    public Task DisposeAsync() => _portal.DisposeAsync();

    [Fact]
    public async Task A_published_snapshot_is_announced_with_its_height_checksum_and_verify_command()
    {
        await using var receiver = await HookReceiver.StartAsync();
        var scenario = await ApiScenario.CreateAsync(_portal, count: 3);
        await Hooks.SubscribeAsync(scenario.Admin, receiver.Url, ["snapshot.published"], networkId: scenario.NetworkId, format: "standard");
        var uploader = await TestUsers.CreateAsync(_portal, ["coredev"]);
        var reviewer = await TestUsers.CreateAsync(_portal, ["coredev"]);
        var driver = new SnapshotDriver(_portal, uploader.Token);
        const long size = 3 * 1024 * 1024;
        var (sha, _) = SnapshotBytes.Digest(7, size, SnapshotService.PartSizeFor(size));
        var id = (await driver.DeclareAsync(scenario.IncidentId, sha, size, "notify-7.tar")).GetProperty("id").GetGuid();
        await driver.UploadAsync(id, (n, length) => SnapshotBytes.Part(7, n, length));
        Assert.Equal("awaitingApproval", (await driver.WaitForVerdictAsync(id)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await new SnapshotDriver(_portal, reviewer.Token).PostAsync($"/api/v1/snapshots/{id}/approve")).StatusCode);
        Assert.Empty(receiver.All); // nothing before publication
        Assert.Equal(HttpStatusCode.OK, (await driver.PostAsync($"/api/v1/snapshots/{id}/publish")).StatusCode);

        var body = Hooks.Parse(await receiver.NextAsync());
        Assert.Equal("snapshot.published", body.GetProperty("type").GetString());
        var data = body.GetProperty("data");
        Assert.Equal(id, data.GetProperty("snapshotId").GetGuid());
        Assert.Equal(1724748, data.GetProperty("height").GetInt64());
        Assert.Equal(sha, data.GetProperty("sha256").GetString());
        Assert.Equal(size, data.GetProperty("sizeBytes").GetInt64());
        Assert.Contains("sha256sum -c", data.GetProperty("verifyCommand").GetString(), StringComparison.Ordinal);
    }
}
