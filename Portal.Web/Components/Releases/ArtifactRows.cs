using System.Globalization;
using System.Text.RegularExpressions;

namespace Portal.Web.Components.Releases;

/// <summary>One artifact row of the release editor, as typed: strings, validated on save by the service's rules.</summary>
public sealed class ArtifactRow
{
    public string? Platform { get; set; }

    public string? Url { get; set; }

    public string? Sha256 { get; set; }

    public string? Size { get; set; }

    /// <summary>For a row added from a pasted line: the file name it was added for, until a URL is given.</summary>
    public string? FileName { get; set; }

    /// <summary>Errors by field (<c>platform</c>, <c>url</c>, <c>sha256</c>, <c>sizeBytes</c>), as the service names them.</summary>
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public string? Error(string field) => Errors.GetValueOrDefault(field);

    public string? Hint => string.IsNullOrWhiteSpace(Url) && FileName is not null ? $"The URL of {FileName}" : null;
}

/// <summary>What pasting <c>sha256sum</c> output does to the editor's rows.</summary>
public static partial class ShaSumPaste
{
    /// <summary>
    /// Each line "&lt;64 hex&gt;  &lt;file name&gt;" (binary-mode "*name" too) fills the digest of every row whose URL
    /// ends with that file name; a file no row names gets a new row with its platform guessed from the name.
    /// Returns how many digests were filled, rows added, and lines not understood.
    /// </summary>
    public static (int Filled, int Added, int Bad) Apply(string? text, List<ArtifactRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var (filled, added, bad) = (0, 0, 0);
        foreach (var raw in (text ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var match = Line().Match(raw);
            if (!match.Success)
            {
                bad++;
                continue;
            }

            var digest = match.Groups["sha"].Value.ToLowerInvariant();
            var name = Path.GetFileName(match.Groups["name"].Value.Trim().Replace('\\', '/'));
            var matching = rows.Where(r => NameOf(r) is { } n && string.Equals(n, name, StringComparison.Ordinal)).ToList();
            if (matching.Count == 0)
            {
                // An empty row left from "add an artifact" takes the first new file before a row is added.
                var empty = rows.FirstOrDefault(r => string.IsNullOrWhiteSpace(r.Url) && string.IsNullOrWhiteSpace(r.Sha256) && r.FileName is null);
                if (empty is null)
                {
                    empty = new ArtifactRow();
                    rows.Add(empty);
                }

                empty.FileName = name;
                empty.Sha256 = digest;
                empty.Platform = string.IsNullOrWhiteSpace(empty.Platform) ? GuessPlatform(name) : empty.Platform;
                added++;
                continue;
            }

            foreach (var row in matching)
            {
                row.Sha256 = digest;
                row.Errors.Remove("sha256");
                filled++;
            }
        }

        return (filled, added, bad);
    }

    private static string? NameOf(ArtifactRow row)
    {
        if (!string.IsNullOrWhiteSpace(row.Url))
        {
            var url = row.Url.Trim();
            var cut = url.IndexOfAny(['?', '#']);
            url = cut >= 0 ? url[..cut] : url;
            return url[(url.LastIndexOf('/') + 1)..];
        }

        return row.FileName;
    }

    /// <summary>"travis_v0.1.9_linux-amd64.tar.gz" → "linux-amd64"; null when the name says nothing.</summary>
    public static string? GuessPlatform(string fileName)
    {
        var match = Platform().Match(fileName ?? "");
        return match.Success ? $"{match.Groups["os"].Value.ToLowerInvariant()}-{match.Groups["arch"].Value.ToLowerInvariant()}" : null;
    }

    /// <summary>Bytes in binary units with one decimal: 48,213,094 → "46.0 MiB"; under 1 KiB, the bytes.</summary>
    public static string ReadableSize(long bytes)
    {
        string[] units = ["KiB", "MiB", "GiB", "TiB"];
        if (bytes < 1024)
        {
            return bytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
        }

        var value = (double)bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    [GeneratedRegex(@"^(?<sha>[0-9a-fA-F]{64})\s+\*?(?<name>\S.*)$")]
    private static partial Regex Line();

    [GeneratedRegex(@"(?<os>linux|darwin|macos|windows|freebsd)[-_](?<arch>amd64|arm64|386|armv7|x86_64|aarch64)", RegexOptions.IgnoreCase)]
    private static partial Regex Platform();
}
