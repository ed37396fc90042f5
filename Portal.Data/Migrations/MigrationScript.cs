using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Portal.Data.Migrations;

/// <summary>One ordered SQL file from <c>migrations/</c>, identified by its file name and its SHA-256.</summary>
public sealed record MigrationScript(string Name, string Sql)
{
    /// <summary>Computed from <see cref="Sql"/> on each read, so a copy made with <c>with</c> can never carry a stale hash.</summary>
    public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));

    /// <summary>The files compiled into this assembly, in order (<c>0001_…</c>, <c>0002_…</c>).</summary>
    public static IReadOnlyList<MigrationScript> Embedded()
    {
        var assembly = typeof(MigrationScript).Assembly;
        return [.. assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("migrations/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => new MigrationScript(n["migrations/".Length..], Read(assembly, n)))];
    }

    /// <summary>Files from a folder, for <c>./portal db</c> against a checkout and for tests.</summary>
    public static IReadOnlyList<MigrationScript> FromDirectory(string path) =>
        [.. Directory.EnumerateFiles(path, "*.sql")
            .Order(StringComparer.Ordinal)
            .Select(f => new MigrationScript(Path.GetFileName(f), File.ReadAllText(f)))];

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
