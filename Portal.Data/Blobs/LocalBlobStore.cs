namespace Portal.Data.Blobs;

/// <summary>
/// Objects as files under one folder. Parts are written to a per-upload folder and joined on completion, by
/// streaming, so a snapshot of tens of gigabytes never sits in memory.
/// </summary>
public sealed class LocalBlobStore(string root) : IBlobStore
{
    private const string UploadsFolder = ".uploads";

    public string Kind => "local";

    public bool SupportsPresignedUrls => false;

    public Task<BlobInfo?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(PathOf(key));
        return Task.FromResult(file.Exists ? new BlobInfo(key, file.Length) : null);
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult<Stream>(new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan));

    public Task<string> StartMultipartAsync(string key, CancellationToken cancellationToken = default)
    {
        var uploadId = Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(UploadPath(uploadId));
        return Task.FromResult(uploadId);
    }

    public Task<Uri?> PresignPartAsync(string key, string uploadId, int partNumber, TimeSpan validFor) => Task.FromResult<Uri?>(null);

    public async Task<UploadedPart> WritePartAsync(string key, string uploadId, int partNumber, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var folder = UploadPath(uploadId);
        if (!Directory.Exists(folder))
        {
            throw new FileNotFoundException("No such upload; it may have been completed or aborted.");
        }

        // Write beside, then rename: a part is either whole or absent, even if the connection drops.
        var target = Path.Combine(folder, $"part-{partNumber:D5}");
        var temporary = target + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
        {
            await content.CopyToAsync(file, 1 << 20, cancellationToken);
        }

        File.Move(temporary, target, overwrite: true);
        var size = new FileInfo(target).Length;
        return new UploadedPart(partNumber, $"\"{partNumber}-{size}\"", size);
    }

    public Task<IReadOnlyList<UploadedPart>> ListPartsAsync(string key, string uploadId, CancellationToken cancellationToken = default)
    {
        var folder = UploadPath(uploadId);
        IReadOnlyList<UploadedPart> parts = Directory.Exists(folder)
            ? [.. Directory.EnumerateFiles(folder, "part-?????")
                .Select(f => new FileInfo(f))
                .Select(f => new UploadedPart(int.Parse(f.Name[5..], System.Globalization.CultureInfo.InvariantCulture), $"\"{int.Parse(f.Name[5..], System.Globalization.CultureInfo.InvariantCulture)}-{f.Length}\"", f.Length))
                .OrderBy(p => p.Number)]
            : [];
        return Task.FromResult(parts);
    }

    public async Task CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var folder = UploadPath(uploadId);
        var target = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = target + ".assembling";
        await using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
        {
            foreach (var part in parts.OrderBy(p => p.Number))
            {
                await using var input = new FileStream(Path.Combine(folder, $"part-{part.Number:D5}"), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
                await input.CopyToAsync(output, 1 << 20, cancellationToken);
            }
        }

        File.Move(temporary, target, overwrite: true);
        Directory.Delete(folder, recursive: true);
    }

    public Task AbortMultipartAsync(string key, string uploadId, CancellationToken cancellationToken = default)
    {
        var folder = UploadPath(uploadId);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        return Task.CompletedTask;
    }

    public Task<Uri?> PresignDownloadAsync(string key, string fileName, TimeSpan validFor) => Task.FromResult<Uri?>(null);

    public Task CheckAsync(CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(root);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Maps a key to a file strictly below the root. Keys are relative, "/"-separated segments; an empty, "."
    /// or ".." segment, a backslash, a rooted key or one naming the uploads folder is refused before touching
    /// the disk, so no key can write a file where a folder belongs (a key "snapshots/x/.." would otherwise
    /// become a file "snapshots" and break every later snapshot).
    /// </summary>
    private string PathOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var segments = key.Split('/');
        if (key.Length == 0 || Path.IsPathRooted(key) || key.Contains('\\', StringComparison.Ordinal) || key.Any(char.IsControl)
            || segments.Any(s => s is "" or "." or "..") || segments[0] == UploadsFolder)
        {
            throw new ArgumentException("The blob key is not a plain relative key inside the store.", nameof(key));
        }

        var rootFull = Path.GetFullPath(root);
        var full = Path.GetFullPath(Path.Combine(rootFull, Path.Combine(segments)));
        return full.StartsWith(rootFull + Path.DirectorySeparatorChar, StringComparison.Ordinal) && full.Length > rootFull.Length + 1
            ? full
            : throw new ArgumentException("The blob key leaves the store's folder.", nameof(key));
    }

    private string UploadPath(string uploadId) =>
        uploadId.All(char.IsAsciiHexDigit) ? Path.Combine(root, UploadsFolder, uploadId) : throw new ArgumentException("Bad upload id.", nameof(uploadId));
}
