using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;
using Portal.Domain;
using Portal.Web.Components.Incidents;
using Portal.Web.Features.Incidents;

namespace Portal.Tests.Components;

/// <summary>
/// The console's quorum panel and its list of who is missing, rendered by bunit from an incident view as the
/// broadcaster shares it: figures in the network's unit, the missing validators largest stake first with their
/// local time and contact, the list cut short with a count of the rest, and nothing missing once at quorum.
/// </summary>
public sealed class ConsoleQuorumPanelTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 21, 59, 30, TimeSpan.Zero);
    private static readonly DisplayUnit Cmt = DisplayUnit.Create(18, "CMT");

    private readonly BunitContext _bunit = new();

    public ConsoleQuorumPanelTests()
    {
        _bunit.Services.AddMudServices();
        _bunit.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(T0));
        _bunit.JSInterop.Mode = JSRuntimeMode.Loose;
        _bunit.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>MudBlazor's chip leaves a service that only disposes asynchronously.</summary>
    public async Task DisposeAsync() => await _bunit.DisposeAsync();

    private static Stake MillionCmt(int millions) => Stake.Parse(millions + "000000" + new string('0', 18));

    private static ValidatorLine Line(string key, int millions, ValidatorState state, string? zone = null, string? contact = null) =>
        new(Guid.NewGuid(), key, "Validator " + key, zone, contact, MillionCmt(millions), state, null, null, T0, null);

    /// <summary>The view the incident reader would build for these validators, under "more than 2/3 of stake".</summary>
    private static IncidentView View(params ValidatorLine[] lines)
    {
        var network = Network.Create("CyberMiles", "cmt-" + Guid.NewGuid().ToString("N")[..6], QuorumRule.TwoThirdsOfStake, T0, Cmt);
        var incident = Incident.Declare(network, "Halt", BlockHeight.Create(1), null, T0);
        var quorum = Quorum.Evaluate(network.Quorum, [.. lines.Select(l => new QuorumVoter(l.ValidatorId.ToString("N"), l.Stake, l.State))]);
        var byKey = lines.ToDictionary(l => l.ValidatorId.ToString("N"));
        return new IncidentView(incident, network, lines, quorum, [.. quorum.SmallestClosingSet.Select(v => byKey[v.Key])], null, [], [], [], T0);
    }

    private static IncidentView Halted() => View(
        Line("e", 1, ValidatorState.Ready),
        Line("d", 1, ValidatorState.Acknowledged),
        Line("c", 2, ValidatorState.Ready),
        Line("b", 3, ValidatorState.Blocked, contact: "ops@b.example"),
        Line("a", 4, ValidatorState.Pending, "Asia/Shanghai", "+86 555 0100"));

    [Fact]
    public void Who_is_missing_comes_largest_stake_first_with_local_time_and_contact()
    {
        var cut = _bunit.Render<MissingValidators>(p => p.Add(m => m.View, Halted()));

        var rows = cut.FindAll("#missing tbody tr");
        Assert.Equal(["a", "b", "d"], rows.Select(r => r.GetAttribute("data-key")));
        Assert.Equal(["pending", "blocked", "acknowledged"], rows.Select(r => r.GetAttribute("data-state")));
        var first = rows[0].QuerySelectorAll("td");
        Assert.Equal("Validator a", first[0].TextContent);
        Assert.Equal("4,000,000 CMT · 36.36%", first[2].TextContent.Trim());
        Assert.Equal("Sun 05:59", first[3].TextContent);
        Assert.Equal("+86 555 0100", first[4].TextContent);
        Assert.Equal("—", rows[2].QuerySelectorAll("td")[4].TextContent);
        Assert.Empty(rows[2].QuerySelectorAll("td")[3].QuerySelectorAll("time"));
        Assert.Empty(cut.FindAll("#missing-more"));
    }

    [Fact]
    public void A_long_list_is_cut_short_and_says_how_many_more()
    {
        var cut = _bunit.Render<MissingValidators>(p => p.Add(m => m.View, Halted()).Add(m => m.Shown, 2));

        Assert.Equal(["a", "b"], cut.FindAll("#missing tbody tr").Select(r => r.GetAttribute("data-key")));
        Assert.Equal("and 1 more: filter the validators below by state.", cut.Find("#missing-more").TextContent);
    }

    [Fact]
    public void The_quorum_panel_reads_in_the_network_s_unit_and_names_the_gap()
    {
        var cut = _bunit.Render<ConsoleQuorumPanel>(p => p.Add(q => q.View, Halted()));

        Assert.Equal("2 of 5 validators, 3,000,000 CMT of 11,000,000 CMT (27.27%)", Normalize(cut.Find("#ready-figure").TextContent));
        Assert.StartsWith("more than 2/3 of stake: line at 66.66%; still needed ", Normalize(cut.Find("#needed-figure").TextContent), StringComparison.Ordinal);
        // 3M ready of 11M: a and b (7M more) close the gap, a alone does not.
        Assert.Equal("at least 2 more validators must be ready", cut.Find("#quorum-needed").TextContent);
        Assert.Empty(cut.FindAll("#quorum-reached"));
        Assert.Equal(3, cut.FindAll("#missing tbody tr").Count);
        // Every stake has its exact base units in its title and, in a circuit, a copy button.
        Assert.Equal("3000000 CMT (3000000000000000000000000 base units)", cut.Find("#ready-figure .stake-amount").GetAttribute("title"));
        Assert.NotEmpty(cut.FindAll("#ready-figure button.stake-copy"));
    }

    [Fact]
    public void At_quorum_the_panel_says_so_and_lists_nobody_as_missing()
    {
        var view = View(
            Line("a", 4, ValidatorState.Ready),
            Line("b", 3, ValidatorState.Ready),
            Line("c", 2, ValidatorState.Pending, "Europe/Berlin"));

        var cut = _bunit.Render<ConsoleQuorumPanel>(p => p.Add(q => q.View, view));

        Assert.Equal("Quorum reached", cut.Find("#quorum-reached").TextContent);
        Assert.Empty(cut.FindAll("#quorum-needed"));
        Assert.Empty(cut.FindAll("#missing"));
    }

    private static string Normalize(string text) => string.Join(' ', text.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
}
