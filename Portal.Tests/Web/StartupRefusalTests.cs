using System.Diagnostics;
using System.Text.Json;
using Portal.Tests.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web;

/// <summary>The real built portal, started as its own process, against a database whose journal disagrees with the files.</summary>
public sealed class StartupRefusalTests(MigratedDatabase db) : IClassFixture<MigratedDatabase>
{
    [Fact]
    public async Task The_portal_refuses_to_start_with_a_clear_json_log_line_and_a_non_zero_exit_when_an_applied_migration_changed()
    {
        await db.Database.ExecuteAsync("UPDATE schema_migrations SET sha256 = repeat('0', 64) WHERE name = '0001_initial.sql'");
        var dll = Path.Combine(TestEnvironment.RepositoryRoot, "Portal.Web", "bin", TestEnvironment.Configuration, "net10.0", "Portal.Web.dll");
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.Environment["ConnectionStrings__Portal"] = db.Database.ConnectionString;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Portal__Timeline__Key"] = Convert.ToBase64String(PortalFactory.TimelineKey);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var refusal = lines
            .Select(l => JsonDocument.Parse(l).RootElement)
            .SingleOrDefault(e => e.GetProperty("Level").GetString() == "Fatal");
        Assert.NotEqual(0, process.ExitCode);
        Assert.True(refusal.ValueKind == JsonValueKind.Object, "no Fatal JSON log event; stdout: " + await stdout + " stderr: " + await stderr);
        Assert.Contains("Refusing to start: Migration 0001_initial.sql was applied", refusal.GetProperty("RenderedMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal("Refusing to start: {Reason:l}", refusal.GetProperty("MessageTemplate").GetString());
    }

    [Theory]
    [InlineData(null, "Portal:Timeline:Key (env Portal__Timeline__Key) is not set")]
    [InlineData("c2hvcnQ=", "Portal:Timeline:Key holds 5 bytes; it needs at least 32")]
    [InlineData("not base64!", "Portal:Timeline:Key is not valid base64")]
    public async Task The_portal_refuses_to_start_in_production_without_a_usable_timeline_key(string? key, string reason)
    {
        var dll = Path.Combine(TestEnvironment.RepositoryRoot, "Portal.Web", "bin", TestEnvironment.Configuration, "net10.0", "Portal.Web.dll");
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.Environment["ConnectionStrings__Portal"] = db.Database.ConnectionString;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment.Remove("Portal__Timeline__Key");
        if (key is not null)
        {
            start.Environment["Portal__Timeline__Key"] = key;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        var refusal = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .SingleOrDefault(e => e.GetProperty("Level").GetString() == "Fatal");
        Assert.NotEqual(0, process.ExitCode);
        Assert.True(refusal.ValueKind == JsonValueKind.Object, "no Fatal JSON log event; stdout: " + await stdout + " stderr: " + await stderr);
        Assert.Contains("Refusing to start: " + reason, refusal.GetProperty("RenderedMessage").GetString(), StringComparison.Ordinal);
    }
}
