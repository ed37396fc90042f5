using Portal.Data.Blobs;

namespace Portal.Tests.Snapshots;

/// <summary>
/// The local store maps keys to files strictly below its folder. A key ending in ".." once became a file named
/// "snapshots" at the root, after which no snapshot could be stored on a fresh store.
/// </summary>
public sealed class LocalBlobStoreKeyTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "portal-tests", "keys-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData("snapshots/0123/..")]
    [InlineData("snapshots/..")]
    [InlineData("..")]
    [InlineData("../outside")]
    [InlineData("/etc/passwd")]
    [InlineData("snapshots//x")]
    [InlineData("snapshots/./x")]
    [InlineData("snapshots\\..\\x")]
    [InlineData(".uploads/0123")]
    [InlineData("")]
    public async Task A_key_that_is_not_a_plain_relative_key_is_refused_and_leaves_nothing_behind(string key)
    {
        var store = new LocalBlobStore(_root);
        await store.CheckAsync();
        var upload = await store.StartMultipartAsync(key);
        var part = await store.WritePartAsync(key, upload, 1, new MemoryStream([1, 2, 3]));

        await Assert.ThrowsAsync<ArgumentException>(() => store.CompleteMultipartAsync(key, upload, [part]));
        await Assert.ThrowsAsync<ArgumentException>(() => store.StatAsync(key));

        Assert.False(File.Exists(Path.Combine(_root, "snapshots")), "a stray file took the snapshots folder's place");
        Assert.Empty(Directory.EnumerateFiles(_root, "*", SearchOption.TopDirectoryOnly));

        // And a later snapshot still finds its folder.
        var good = "snapshots/" + Guid.NewGuid().ToString("N") + "/mainnet.tar";
        var next = await store.StartMultipartAsync(good);
        await store.CompleteMultipartAsync(good, next, [await store.WritePartAsync(good, next, 1, new MemoryStream([4, 5]))]);
        Assert.Equal(2, (await store.StatAsync(good))!.Size);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
