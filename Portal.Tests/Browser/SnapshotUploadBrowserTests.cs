using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.Data.Identity;
using Portal.Tests.Infrastructure;
using Portal.Tests.Snapshots;
using Portal.Web.Features.Snapshots;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>
/// The snapshots console page's uploader in a real Chromium, on the local blob store: a 130 MiB file (three
/// parts of at most 64 MiB) goes up in parts through the portal's signed part links, and the list follows the
/// verifier without a reload; a second core developer is offered the approval, the uploader is not; and an
/// upload cut off after one part resumes after a reload, sending only the missing parts (on a phone).
/// </summary>
public sealed class SnapshotUploadBrowserTests(BrowserPortalFactory portal, ChromiumFixture chromium)
    : LiveIncidentBrowserTest(portal, chromium), IClassFixture<BrowserPortalFactory>, IClassFixture<ChromiumFixture>
{
    private const long FileSize = 130L * 1024 * 1024;
    private const string BlockHash = "0xB2F1C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90";
    private const float UploadTimeoutMs = 90_000;
    private static readonly TimeSpan VerifyTimeout = TimeSpan.FromSeconds(60);

    private readonly List<string> _files = [];

    private string SnapshotsPath => $"/incidents/{Incident.Id}/snapshots";

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var file in _files)
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_file_chosen_in_the_browser_is_uploaded_verified_live_and_approved_only_by_a_second_core_dev()
    {
        Assert.Equal(3, SnapshotService.PartCountFor(FileSize));
        var (path, sha256) = WriteFile(seed: 101, "upload-whole");
        var coredev = await TestUsers.CreateAsync(Portal, [Roles.CoreDev]);
        var page = await OpenConsoleAsync(coredev, SnapshotsPath, 1280, 800);
        await Expect(page.Locator("#upload-form button[type=submit]")).ToBeEnabledAsync();
        await page.AssertAccessibleAsync();
        await page.EvaluateAsync("() => { window.__noReload = 1; }");

        // Every status the file's row shows, as the page changes it (the list is re-rendered by the circuit).
        await page.EvaluateAsync(@"() => {
            window.__statuses = [];
            const note = () => document.querySelectorAll('#snapshot-list tr[data-status]').forEach(tr => {
                const s = tr.dataset.status; if (window.__statuses.at(-1) !== tr.id + ':' + s) window.__statuses.push(tr.id + ':' + s);
            });
            new MutationObserver(note).observe(document.getElementById('snapshot-list'), { subtree: true, childList: true, attributes: true });
        }");
        await Expect(page.Locator("#upload-progress")).ToBeHiddenAsync();
        await FillAsync(page, path, height: 1724748, sha256);
        await page.Locator("#upload-form button[type=submit]").ClickAsync();

        await Expect(page.Locator("#upload-progress")).ToBeVisibleAsync();
        await Expect(page.Locator("#upload-status")).ToHaveTextAsync(new Regex("^Uploaded\\."), new() { Timeout = UploadTimeoutMs });
        Assert.Equal(1000, await page.Locator("#upload-progress").EvaluateAsync<int>("bar => bar.value"));
        Assert.Null(await page.EvaluateAsync<string?>($"() => localStorage.getItem('portal.snapshot-upload.{Incident.Id}')"));

        // The row appeared when the file was declared and follows the verifier to its verdict, without a reload.
        var id = await SnapshotIdAsync(Path.GetFileName(path));
        var row = page.Locator($"#row-{id}");
        await Expect(row).ToHaveAttributeAsync("data-status", "awaiting approval", new() { Timeout = (float)VerifyTimeout.TotalMilliseconds });
        var seen = await page.EvaluateAsync<string[]>("() => window.__statuses");
        Assert.Contains($"row-{id}:uploading", seen);
        Assert.Equal($"row-{id}:awaiting approval", seen.Last(s => s.StartsWith($"row-{id}:", StringComparison.Ordinal)));
        Assert.Equal(1L, await page.EvaluateAsync<long>("() => window.__noReload"));
        var (status, computed) = await WaitForVerdictAsync(id);
        Assert.Equal("AwaitingApproval", status);
        Assert.Equal(sha256, computed);
        Assert.Null(await Portal.Database.ScalarAsync<string>($"SELECT upload_id FROM snapshots WHERE id = '{id}'"));

        // The uploader is not offered the approval.
        await Expect(row.Locator("button.approve")).ToHaveCountAsync(0);
        await Expect(row.Locator(".own-snapshot")).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();

        // A second core developer is, approves, and the uploader's page shows it without a reload.
        var second = await TestUsers.CreateAsync(Portal, [Roles.CoreDev]);
        var other = await OpenConsoleAsync(second, SnapshotsPath, 390, 844);
        var otherRow = other.Locator($"#row-{id}");
        await Expect(otherRow.Locator(".own-snapshot")).ToHaveCountAsync(0);
        await other.AssertAccessibleAsync();
        await otherRow.Locator("button.approve").ClickAsync();
        await Expect(other.Locator("#snapshot-message")).ToHaveTextAsync("Approved: the snapshot is verified.");
        await Expect(otherRow).ToHaveAttributeAsync("data-status", "verified");
        Assert.Equal("Verified", await Portal.Database.ScalarAsync<string>($"SELECT status FROM snapshots WHERE id = '{id}'"));
        await Expect(row).ToHaveAttributeAsync("data-status", "verified", new() { Timeout = 15_000 });
        Assert.Equal(1L, await page.EvaluateAsync<long>("() => window.__noReload"));
    }

    [Fact]
    public async Task An_upload_interrupted_after_one_part_resumes_after_a_reload_sending_only_the_missing_parts()
    {
        var (path, sha256) = WriteFile(seed: 202, "upload-resume");
        var coredev = await TestUsers.CreateAsync(Portal, [Roles.CoreDev]);
        var page = await OpenConsoleAsync(coredev, SnapshotsPath, 390, 844);
        await Expect(page.Locator("#upload-form button[type=submit]")).ToBeEnabledAsync();
        await Expect(page.Locator("#upload-status")).ToBeEmptyAsync();
        await page.AssertAccessibleAsync();

        // Only the first part request to reach the network gets through; the others are cut off.
        var allowed = 0;
        var refused = 0;
        await page.RouteAsync("**/snapshots/parts/**", route =>
        {
            if (Interlocked.Increment(ref allowed) == 1)
            {
                return route.ContinueAsync();
            }

            Interlocked.Increment(ref refused);
            return route.AbortAsync();
        });
        await FillAsync(page, path, height: 1724749, sha256);
        await page.Locator("#upload-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#upload-status")).ToContainTextAsync("Press Upload again to resume", new() { Timeout = UploadTimeoutMs });

        // The one part let through lands whole in the store's upload folder.
        var id = await SnapshotIdAsync(Path.GetFileName(path));
        var uploadId = await Portal.Database.ScalarAsync<string>($"SELECT upload_id FROM snapshots WHERE id = '{id}'");
        Assert.NotNull(uploadId);
        var folder = Path.Combine(Portal.BlobFolder, ".uploads", uploadId);
        var stored = await WaitForAsync(() => Directory.Exists(folder) ? Directory.GetFiles(folder, "part-?????") : [], files => files.Length >= 1, TimeSpan.FromSeconds(60));
        var survivor = Assert.Single(stored);
        Assert.Equal(2, Volatile.Read(ref refused));
        var survivorWritten = File.GetLastWriteTimeUtc(survivor);
        await page.UnrouteAsync("**/snapshots/parts/**");

        // After a reload the page remembers the upload.
        await page.ReloadAsync();
        await ConsoleBrowserTests.WaitForCircuitAsync(page);
        await Expect(page.Locator("#upload-form button[type=submit]")).ToBeEnabledAsync();
        await Expect(page.Locator("#upload-status")).ToContainTextAsync("was interrupted");
        await Expect(page.Locator("#upload-status")).ToContainTextAsync("choose the same file");
        await Expect(page.Locator("#upload-status")).ToContainTextAsync(Path.GetFileName(path));

        var puts = 0;
        page.Request += (_, request) =>
        {
            if (request.Method == "PUT" && request.Url.Contains("/snapshots/parts/", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref puts);
            }
        };

        // Just before completing (which removes the upload folder), the surviving part is still the one written before the reload.
        DateTime? survivorAtCompletion = null;
        var partsAtCompletion = -1;
        await page.RouteAsync("**/upload/complete", route =>
        {
            survivorAtCompletion = File.Exists(survivor) ? File.GetLastWriteTimeUtc(survivor) : null;
            partsAtCompletion = Directory.GetFiles(folder, "part-?????").Length;
            return route.ContinueAsync();
        });
        await FillAsync(page, path, height: 1724749, sha256);
        await page.Locator("#upload-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#upload-status")).ToHaveTextAsync(new Regex("^Uploaded\\."), new() { Timeout = UploadTimeoutMs });

        Assert.Equal(2, Volatile.Read(ref puts));
        Assert.Equal(3, partsAtCompletion);
        Assert.Equal(survivorWritten, survivorAtCompletion);
        Assert.Equal(1, await Portal.Database.ScalarAsync<long>($"SELECT count(*) FROM snapshots WHERE file_name = '{Path.GetFileName(path)}'"));
        var (status, computed) = await WaitForVerdictAsync(id);
        Assert.Equal("AwaitingApproval", status);
        Assert.Equal(sha256, computed);
    }

    private static async Task FillAsync(IPage page, string path, long height, string sha256)
    {
        await page.Locator("#upload-form input[name=file]").SetInputFilesAsync(path);
        await page.Locator("#upload-form input[name=height]").FillAsync(height.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Locator("#upload-form input[name=blockHash]").FillAsync(BlockHash);
        await page.Locator("#upload-form input[name=sha256]").FillAsync(sha256);
    }

    /// <summary>A file of deterministic bytes, written part by part, and its SHA-256.</summary>
    private (string Path, string Sha256) WriteFile(int seed, string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), PortalPages.UniqueName(prefix) + ".tar");
        _files.Add(path);
        var partSize = SnapshotService.PartSizeFor(FileSize);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var file = File.Create(path))
        {
            for (var n = 1; n <= SnapshotService.PartCountFor(FileSize); n++)
            {
                var bytes = SnapshotBytes.Part(seed, n, Math.Min(partSize, FileSize - ((n - 1) * partSize)));
                file.Write(bytes);
                sha.AppendData(bytes);
            }
        }

        Assert.Equal(FileSize, new FileInfo(path).Length);
        return (path, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    private async Task<Guid> SnapshotIdAsync(string fileName) =>
        await Portal.Database.ScalarAsync<Guid>($"SELECT id FROM snapshots WHERE incident_id = '{Incident.Id}' AND file_name = '{fileName}'");

    /// <summary>Polls until the verifier has moved the snapshot out of Uploading/Uploaded/Verifying, or the time runs out.</summary>
    private async Task<(string? Status, string? ComputedSha256)> WaitForVerdictAsync(Guid id) =>
        await WaitForAsync(async () =>
        {
            await using var dataSource = Portal.Database.CreateDataSource();
            await using var command = dataSource.CreateCommand("SELECT status, computed_sha256 FROM snapshots WHERE id = $1");
            command.Parameters.Add(new() { Value = id });
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync(), $"no snapshot {id}");
            return (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1).Trim());
        }, r => r.Item1 is not ("Uploading" or "Uploaded" or "Verifying"), VerifyTimeout);

    private static Task<T> WaitForAsync<T>(Func<T> read, Func<T, bool> done, TimeSpan timeout) =>
        WaitForAsync(() => Task.FromResult(read()), done, timeout);

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(250);
        }
    }
}
