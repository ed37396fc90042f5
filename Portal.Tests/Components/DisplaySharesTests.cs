using System.Globalization;
using System.Numerics;
using Bunit;
using Portal.Domain;
using Portal.Web.Components.Incidents;
using Portal.Web.Features.Incidents;

namespace Portal.Tests.Components;

/// <summary>
/// Display shares (issue 13): computed once per evaluation of quorum, shared by the signed-in and public
/// renderings, equal to exact integer arithmetic on the evaluation (rounded down to 0.01 %), and what the
/// components show.
/// </summary>
public sealed class DisplaySharesTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 21, 59, 30, TimeSpan.Zero);

    private readonly BunitContext _bunit = new();

    public DisplaySharesTests() => _bunit.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Static", isInteractive: false));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _bunit.DisposeAsync();

    private static IncidentView View(Random random, int count)
    {
        ValidatorState[] states = [ValidatorState.Pending, ValidatorState.Acknowledged, ValidatorState.Downloading, ValidatorState.Upgraded, ValidatorState.Ready, ValidatorState.Blocked];
        var lines = Enumerable.Range(0, count).Select(i => new ValidatorLine(
            Guid.NewGuid(), $"val{i}", $"Validator {i}", null, "ops@example.org",
            Stake.Parse(random.NextInt64(1, 1_000_000_000).ToString(CultureInfo.InvariantCulture) + new string('0', random.Next(0, 19))),
            states[random.Next(states.Length)], null, "a note", T0, "someone")).ToList();
        var network = Network.Create("CyberMiles", "cmt-" + Guid.NewGuid().ToString("N")[..6], QuorumRule.TwoThirdsOfStake, T0, DisplayUnit.Create(18, "CMT"));
        var incident = Incident.Declare(network, "Halt", BlockHeight.Create(1), null, T0);
        var quorum = Quorum.Evaluate(network.Quorum, [.. lines.Select(l => new QuorumVoter(l.ValidatorId.ToString("N"), l.Stake, l.State))]);
        return new IncidentView(incident, network, lines, quorum, [], null, [], [], [], T0);
    }

    /// <summary>Hundredths of a percent, rounded down, by a route of its own (decimal text of the exact quotient).</summary>
    private static string Expected(BigInteger part, BigInteger total)
    {
        var hundredths = BigInteger.Divide(BigInteger.Multiply(part, 10_000), total);
        var text = hundredths.ToString(CultureInfo.InvariantCulture).PadLeft(3, '0');
        return $"{text[..^2]}.{text[^2..]}%";
    }

    [Fact]
    public void Shares_are_made_once_per_evaluation_and_the_public_copy_reads_the_same_ones()
    {
        var view = View(new Random(7), 30);

        Assert.Same(view.Shares, view.Shares);
        Assert.Same(view.Shares, view.ForPublic().Shares);
        Assert.Same(view.Shares, (view with { Now = T0.AddMinutes(1) }).Shares);
        Assert.Same(view.Shares.Row(view.Validators[0]), view.ForPublic().Shares.Row(view.ForPublic().Validators[0]));
    }

    [Fact]
    public void Shares_equal_exact_integer_arithmetic_on_the_evaluation_for_random_sets()
    {
        var random = new Random(2026);
        for (var round = 0; round < 200; round++)
        {
            var view = View(random, random.Next(1, 60));
            var q = view.Quorum;

            Assert.Equal(Expected(q.ReadyWeight, q.TotalWeight), view.Shares.Ready);
            Assert.Equal(Expected(q.RequiredWeight, q.TotalWeight), view.Shares.Required);
            Assert.Equal(Expected(q.UpgradedWeight, q.TotalWeight), view.Shares.Upgraded);
            Assert.Equal(Expected(q.AcknowledgedWeight, q.TotalWeight), view.Shares.Acknowledged);
            Assert.Equal(Expected(q.TotalWeight / 3, q.TotalWeight), view.Shares.SeenVoting(q.TotalWeight / 3));
            foreach (var line in view.Validators)
            {
                Assert.Equal(Expected(line.Stake.Value, q.TotalWeight), view.Shares.Row(line));
            }
        }
    }

    [Fact]
    public void The_quorum_panel_and_each_row_show_the_views_shares()
    {
        var view = View(new Random(11), 12).ForPublic();

        var panel = _bunit.Render<QuorumPanel>(p => p.Add(c => c.View, view));
        var caption = panel.Find("#quorum-caption").TextContent;
        Assert.Contains(view.Shares.Ready, caption, StringComparison.Ordinal);
        Assert.Contains(view.Shares.Required, caption, StringComparison.Ordinal);
        Assert.Contains(view.Shares.Upgraded, caption, StringComparison.Ordinal);
        Assert.Contains(view.Shares.Acknowledged, caption, StringComparison.Ordinal);

        var line = view.Validators[3];
        var row = _bunit.Render<ValidatorRow>(p => p.Add(c => c.Line, line).Add(c => c.Share, view.Shares.Row(line)).Add(c => c.Now, view.Now));
        Assert.Equal(Expected(line.Stake.Value, view.Quorum.TotalWeight), row.Find("td.text-end span").TextContent);
    }
}
