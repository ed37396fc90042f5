using System.Diagnostics;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web;

/// <summary>The compose file users start the portal with is valid and wires what it must (no engine is needed to check).</summary>
public sealed class DeploymentTests
{
    [Fact]
    public async Task Docker_compose_file_is_valid_and_runs_postgresql_minio_and_the_portal()
    {
        var start = new ProcessStartInfo("docker-compose", ["-f", "docker-compose.yml", "config"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestEnvironment.RepositoryRoot,
        };
        start.Environment["PORTAL_TIMELINE_KEY"] = Convert.ToBase64String(PortalFactory.TimelineKey);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, "docker-compose config failed: " + errors);
        foreach (var expected in new[] { "postgres:", "minio:", "portal:", "ConnectionStrings__Portal", "ConnectionStrings__PortalOwner", "Username=portal_app", "Portal__Timeline__Key", "healthcheck:", "8080" })
        {
            Assert.Contains(expected, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Docker_compose_refuses_to_start_without_a_timeline_key()
    {
        var start = new ProcessStartInfo("docker-compose", ["-f", "docker-compose.yml", "config"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestEnvironment.RepositoryRoot,
        };
        start.Environment.Remove("PORTAL_TIMELINE_KEY");
        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("PORTAL_TIMELINE_KEY", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_builds_in_stages_and_runs_as_a_non_root_user()
    {
        var dockerfile = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "Dockerfile"));

        Assert.True(dockerfile.Split("FROM ").Length - 1 >= 2, "expected a multi-stage build");
        Assert.Matches(@"(?m)^USER\s+(app|\$APP_UID|\d+)", dockerfile);
        Assert.Contains("HEALTHCHECK", dockerfile, StringComparison.Ordinal);
        Assert.Contains("8080", dockerfile, StringComparison.Ordinal);
    }
}
