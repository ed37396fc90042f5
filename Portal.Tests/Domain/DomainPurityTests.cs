using System.Xml.Linq;
using Portal.Domain;

namespace Portal.Tests.Domain;

/// <summary>The domain core stays free of persistence, web and database code.</summary>
public sealed class DomainPurityTests
{
    private static readonly string[] ForbiddenPrefixes =
    [
        "Microsoft.EntityFrameworkCore",
        "Microsoft.AspNetCore",
        "Npgsql",
    ];

    [Fact]
    public void DomainAssemblyReferencesNoInfrastructure()
    {
        var referenced = typeof(Stake).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? string.Empty).ToArray();

        Assert.NotEmpty(referenced); // sanity: it references at least the runtime
        var offending = referenced
            .Where(name => ForbiddenPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
            .ToArray();
        Assert.True(offending.Length == 0, $"Portal.Domain references {string.Join(", ", offending)}.");
    }

    [Fact]
    public void DomainAssemblyReferencesNoOtherPortalProject()
    {
        var portal = typeof(Stake).Assembly.GetReferencedAssemblies()
            .Select(a => a.Name ?? string.Empty)
            .Where(name => name.StartsWith("Portal.", StringComparison.OrdinalIgnoreCase))
            .ToArray();

        Assert.True(portal.Length == 0, $"Portal.Domain references {string.Join(", ", portal)}.");
    }

    [Fact]
    public void DomainProjectFileHasNoPackageOrProjectReferences()
    {
        var path = Path.Combine(FindSolutionDirectory(), "Portal.Domain", "Portal.Domain.csproj");
        Assert.True(File.Exists(path), $"Expected the domain project at {path}.");

        var project = XDocument.Load(path);
        var references = project.Descendants()
            .Where(e => e.Name.LocalName is "PackageReference" or "ProjectReference" or "FrameworkReference")
            .Select(e => $"{e.Name.LocalName} {(string?)e.Attribute("Include") ?? (string?)e.Attribute("Update")}")
            .ToArray();

        Assert.True(references.Length == 0, $"Portal.Domain.csproj must stay dependency-free but has: {string.Join("; ", references)}.");

        // Belt and braces: no reference hiding in text the XML query might miss (e.g. a misspelt namespace).
        var text = File.ReadAllText(path);
        Assert.DoesNotContain("PackageReference", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ProjectReference", text, StringComparison.Ordinal);
    }

    private static string FindSolutionDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Portal.sln above {AppContext.BaseDirectory}.");
    }
}
