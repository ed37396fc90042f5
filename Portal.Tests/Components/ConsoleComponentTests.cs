using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;
using Portal.Domain;
using Portal.Web.Components.Console;
using Portal.Web.Components.Shared;
using Portal.Web.Features.Incidents;
using Portal.Web.Features.Live;

namespace Portal.Tests.Components;

/// <summary>The console's shared components, rendered by bunit: static (prerender, public pages) and in a circuit.</summary>
public sealed class ConsoleComponentTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 21, 59, 30, TimeSpan.Zero);

    private readonly BunitContext _bunit = new();
    private readonly FakeTimeProvider _clock = new(T0);
    private readonly IncidentNotifier _notifier = new(NullLogger<IncidentNotifier>.Instance);

    public ConsoleComponentTests()
    {
        _bunit.Services.AddMudServices();
        _bunit.Services.AddSingleton<TimeProvider>(_clock);
        _bunit.Services.AddSingleton(_notifier);
        _bunit.Services.AddSingleton(new ConsoleOptions { LiveThrottle = TimeSpan.FromMilliseconds(250) });
        _bunit.JSInterop.Mode = JSRuntimeMode.Loose;
        _bunit.SetRendererInfo(new RendererInfo("Static", isInteractive: false));
    }

    public void Dispose() => _bunit.Dispose();

    private void InCircuit() => _bunit.SetRendererInfo(new RendererInfo("Server", isInteractive: true));

    private static readonly Stake TenMillionCmt = Stake.Parse("10000000000000000000000000");
    private static readonly DisplayUnit Cmt = DisplayUnit.Create(18, "CMT");

    [Fact]
    public void A_stake_reads_in_the_networks_unit_with_the_exact_value_in_its_title_and_no_copy_button_when_static()
    {
        var cut = _bunit.Render<StakeAmount>(p => p.Add(s => s.Value, TenMillionCmt).Add(s => s.Unit, Cmt));

        var amount = cut.Find(".stake-amount");
        Assert.Equal("10,000,000 CMT", amount.TextContent);
        Assert.Equal("10000000 CMT (10000000000000000000000000 base units)", amount.GetAttribute("title"));
        Assert.Empty(cut.FindAll("button"));
    }

    [Fact]
    public void A_stake_without_a_unit_shows_grouped_base_units()
    {
        var cut = _bunit.Render<StakeAmount>(p => p.Add(s => s.Value, Stake.Parse("27000000000000000000000000")));

        Assert.Equal("27,000,000,000,000,000,000,000,000", cut.Find(".stake-amount").TextContent);
        Assert.Equal("27000000000000000000000000 base units", cut.Find(".stake-amount").GetAttribute("title"));
    }

    [Fact]
    public void In_a_circuit_the_copy_button_copies_the_base_units()
    {
        InCircuit();
        var copy = _bunit.JSInterop.SetupVoid("portalConsole.copy", "10000000000000000000000000");
        var cut = _bunit.Render<StakeAmount>(p => p.Add(s => s.Value, TenMillionCmt).Add(s => s.Unit, Cmt));

        var button = cut.Find("button.stake-copy");
        Assert.Equal("Copy 10000000000000000000000000 base units", button.GetAttribute("aria-label"));
        button.Click();

        copy.VerifyInvoke("portalConsole.copy");
    }

    [Fact]
    public void A_local_time_ticks_over_each_minute_in_a_circuit()
    {
        InCircuit();
        var cut = _bunit.Render<LocalTime>(p => p.Add(t => t.TimeZone, "Asia/Shanghai"));
        Assert.Equal("Sun 05:59", cut.Find("time").TextContent);
        Assert.Equal("2026-11-22T05:59+08:00", cut.Find("time").GetAttribute("datetime"));

        _clock.Advance(TimeSpan.FromSeconds(30));
        cut.WaitForAssertion(() => Assert.Equal("Sun 06:00", cut.Find("time").TextContent));

        _clock.Advance(TimeSpan.FromMinutes(1));
        cut.WaitForAssertion(() => Assert.Equal("Sun 06:01", cut.Find("time").TextContent));
    }

    [Fact]
    public void A_static_local_time_renders_once_and_an_unknown_zone_renders_nothing()
    {
        var cut = _bunit.Render<LocalTime>(p => p.Add(t => t.TimeZone, "Europe/Berlin"));
        Assert.Equal("Sat 22:59", cut.Find("time").TextContent);
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal("Sat 22:59", cut.Find("time").TextContent);

        var unknown = _bunit.Render<LocalTime>(p => p.Add(t => t.TimeZone, "Mars/Olympus_Mons"));
        Assert.Empty(unknown.FindAll("time"));
    }

    [Fact]
    public void A_live_component_takes_the_first_change_at_once_and_merges_a_burst_into_one_render()
    {
        InCircuit();
        var (first, second, third) = (View(1), View(2), View(3));
        var cut = _bunit.Render<FollowsOne>(p => p.Add(c => c.IncidentId, first.Incident.Id));
        var rendersBefore = cut.RenderCount;

        _notifier.Publish(first);
        cut.WaitForAssertion(() => Assert.Equal([first.Now], cut.Instance.Seen));
        Assert.Equal(rendersBefore + 1, cut.RenderCount);

        // Within the throttle: kept back, then only the newest is shown, in one render.
        _notifier.Publish(second with { Incident = first.Incident });
        _notifier.Publish(third with { Incident = first.Incident });
        Assert.Equal([first.Now], cut.Instance.Seen);
        _clock.Advance(TimeSpan.FromMilliseconds(250));
        cut.WaitForAssertion(() => Assert.Equal([first.Now, third.Now], cut.Instance.Seen));
        Assert.Equal(rendersBefore + 2, cut.RenderCount);

        // Another incident's changes are not this component's business.
        _notifier.Publish(View(4));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, cut.Instance.Seen.Count);
    }

    [Fact]
    public async Task A_disposed_live_component_is_unsubscribed_and_a_static_one_never_subscribes()
    {
        InCircuit();
        var view = View(1);
        var cut = _bunit.Render<FollowsOne>(p => p.Add(c => c.IncidentId, view.Incident.Id));
        var component = cut.Instance;
        await _bunit.DisposeComponentsAsync();
        _notifier.Publish(view);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(component.Seen);

        _bunit.SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        var prerendered = _bunit.Render<FollowsOne>(p => p.Add(c => c.IncidentId, view.Incident.Id));
        _notifier.Publish(view);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(prerendered.Instance.Seen);
    }

    /// <summary>An incident's state with the given revision marker (in <c>Now</c>'s seconds, to tell states apart).</summary>
    private static IncidentView View(int marker)
    {
        var network = Network.Create("CyberMiles", "cmt-" + marker, QuorumRule.TwoThirdsOfStake, T0, Cmt);
        var incident = Incident.Declare(network, "Halt " + marker, BlockHeight.Create(1), null, T0);
        return new IncidentView(incident, network, [], Quorum.Evaluate(network.Quorum, []), [], null, [], [], [], T0.AddSeconds(marker));
    }

    /// <summary>A console component that follows one incident and notes each state it is handed.</summary>
    public sealed class FollowsOne : LiveIncidentComponent
    {
        [Parameter] public Guid IncidentId { get; set; }

        /// <summary>The states handed over, told apart by their <c>Now</c>.</summary>
        public List<DateTimeOffset> Seen { get; } = [];

        protected override void OnInitialized() => Follow(IncidentId);

        protected override Task OnIncidentChangedAsync(IncidentView view)
        {
            Seen.Add(view.Now);
            return Task.CompletedTask;
        }

        protected override void BuildRenderTree(RenderTreeBuilder builder) => builder.AddContent(0, Seen.Count);
    }
}
