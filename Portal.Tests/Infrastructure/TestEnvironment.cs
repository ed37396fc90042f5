namespace Portal.Tests.Infrastructure;

/// <summary>
/// What <c>./portal test</c> starts for the tests. Missing settings fail the test with directions rather than
/// skipping it, so a run without the real services can never pass by accident.
/// </summary>
public static class TestEnvironment
{
    public static string PostgresAdmin => Required("PORTAL_TEST_POSTGRES");

    public static string S3Endpoint => Required("PORTAL_TEST_S3");

    public static string Chromium => Environment.GetEnvironmentVariable("PORTAL_TEST_CHROMIUM") ?? "/usr/bin/chromium";

    /// <summary>The OpenAPI linter that <c>./portal test</c> installs into tools/ with npm.</summary>
    public static string Redocly => Environment.GetEnvironmentVariable("PORTAL_TEST_REDOCLY") is { Length: > 0 } path
        ? path
        : File.Exists(Path.Combine(RepositoryRoot, "tools", "node_modules", ".bin", "redocly"))
            ? Path.Combine(RepositoryRoot, "tools", "node_modules", ".bin", "redocly")
            : Required("PORTAL_TEST_REDOCLY");

    /// <summary>The repository root: the folder holding Portal.sln.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Release or Debug, whichever this test assembly was built as.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set. Run the tests with ./portal test, which starts PostgreSQL and moto_server and sets it.");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Portal.sln not found above " + AppContext.BaseDirectory);
    }
}
