using System.Xml.Linq;
using Bunit;
using Portal.Domain;
using Portal.Web.Components.Incidents;
using Portal.Web.Features.Incidents;

namespace Portal.Tests.Components;

/// <summary>The stake chart as markup: accessible names, a text summary, the lines where the figures put them.</summary>
public sealed class StakeChartTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2019, 5, 26, 10, 0, 0, TimeSpan.Zero);
    private readonly BunitContext _bunit = new();

    public void Dispose() => _bunit.Dispose();

    private static StakeHistory Story()
    {
        var id = Guid.NewGuid();
        TimelineEvent E(int hours, string kind, string summary) => TimelineEvent.Append(id, null, kind, "x", summary, T0.AddHours(hours));
        (string, Stake)[] four = [("A", Stake.Parse("1")), ("B", Stake.Parse("1")), ("C", Stake.Parse("1")), ("D", Stake.Parse("1"))];
        return StakeHistory.Build(
            [
                E(12, TimelineKinds.ReleasePublished, "Release v1 published."),
                E(12, TimelineKinds.ValidatorStatus, "A: pending → ready, running v1."),
                E(13, "validator-paged", "Paged D: e-mail."),
                E(16, TimelineKinds.ValidatorStatus, "B: pending → ready, running v1."),
                E(17, TimelineKinds.ValidatorStatus, "C: pending → ready, running v1."),
                E(17, TimelineKinds.QuorumReached, "Quorum reached: 3 of 4 validators ready (more than 2/3 of stake)."),
            ],
            four, QuorumRule.TwoThirdsOfStake, T0, T0.AddHours(20));
    }

    private static XElement Svg(IRenderedComponent<StakeChart> chart) => XElement.Parse(chart.Find("svg").OuterHtml);

    [Fact]
    public void The_chart_has_a_title_a_description_and_a_summary_in_words()
    {
        var chart = _bunit.Render<StakeChart>(p => p.Add(c => c.History, Story()).Add(c => c.Drill, true));

        var svg = Svg(chart);
        Assert.Equal("img", svg.Attribute("role")?.Value);
        Assert.Equal("stake-chart-title stake-chart-desc", svg.Attribute("aria-labelledby")?.Value);
        Assert.Equal("Stake over time (DRILL)", svg.Elements().Single(e => e.Name.LocalName == "title").Value);
        var summary = chart.Find("#stake-chart-summary").TextContent;
        Assert.Equal(summary, svg.Elements().Single(e => e.Name.LocalName == "desc").Value);
        Assert.Equal(
            "DRILL. From May 26 10:00 UTC to May 27 06:00 UTC: ready 75.00%, upgraded 75.00%, acknowledged 75.00%; quorum needs 75.00%. "
            + "Release published May 26 22:00 UTC. Validators paged May 26 23:00 UTC. Quorum reached May 27 03:00 UTC.",
            summary);
    }

    [Fact]
    public void Lines_step_at_each_report_and_the_threshold_sits_at_the_rules_share()
    {
        var chart = _bunit.Render<StakeChart>(p => p.Add(c => c.History, Story()));

        // Plot: x from 48 to 704 over 20 hours, y from 198 (0 %) up to 18 (100 %).
        var ready = chart.Find("polyline.stake-ready").GetAttribute("points");
        Assert.Equal("48,198 441.6,198 441.6,153 572.8,153 572.8,108 605.6,108 605.6,63 704,63", ready);
        Assert.Equal("63", chart.Find("line.stake-threshold").GetAttribute("y1"));
        Assert.Equal(["release", "page", "quorum"], chart.FindAll("g.stake-marker").Select(g => g.GetAttribute("data-kind")));
        Assert.Contains("Quorum not reached yet", _bunit.Render<StakeChart>(p => p.Add(c => c.History, StakeHistory.Build([], [("A", Stake.Parse("1"))], QuorumRule.TwoThirdsOfStake, T0, T0))).Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_history_nothing_is_rendered()
    {
        Assert.Empty(_bunit.Render<StakeChart>(p => p.Add(c => c.History, null)).Markup.Trim());
    }
}
