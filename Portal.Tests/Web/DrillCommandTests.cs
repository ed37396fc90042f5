using Portal.Web.Features.Drills;

namespace Portal.Tests.Web;

/// <summary><c>./portal drill</c>'s arguments: a bad one is exit code 2 before anything is sent, not a stack trace.</summary>
public sealed class DrillCommandTests
{
    [Theory]
    [InlineData("--validators", "0")]
    [InlineData("--validators", "201")]
    [InlineData("--validators", "many")]
    [InlineData("--seconds-per-hour", "-1")]
    [InlineData("--seconds-per-hour", "3601")]
    [InlineData("--seconds-per-hour", "NaN")]
    [InlineData("--seed", "x")]
    [InlineData("--network", "drillnet")]
    public async Task A_bad_argument_is_exit_code_2(string option, string value)
    {
        // Port 9 (discard) on loopback: nothing answers, so reaching the network at all would be exit code 1.
        Assert.Equal(2, await DrillCommand.RunAsync(["--url", "http://127.0.0.1:9", "--token", "vcp_x", option, value]));
    }

    [Fact]
    public async Task Good_arguments_against_no_portal_are_exit_code_1()
    {
        Assert.Equal(1, await DrillCommand.RunAsync(["--url", "http://127.0.0.1:9", "--token", "vcp_x", "--validators", "2", "--seconds-per-hour", "0"]));
    }
}
