using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;
using Portal.Domain;
using Portal.Web.Components.Console;
using Portal.Web.Components.Incidents;
using Portal.Web.Features.Forecast;
using Portal.Web.Features.Incidents;
using Portal.Web.Features.Live;

namespace Portal.Tests.Components;

/// <summary>
/// The forecast panel, the waking-window editor and the postmortem downloads, rendered by bunit on the CyberMiles
/// story at 17:30 EST (22:30 UTC): the fix out at 14:00 EST, North America ready, Asia asleep, Sydney awake.
/// </summary>
public sealed class ForecastComponentTests : IAsyncLifetime
{
    private static readonly DateTimeOffset HalfPastFiveEst = new(2026, 11, 22, 22, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Published = new(2026, 11, 22, 19, 0, 0, TimeSpan.Zero);
    private static readonly Stake TenMillionCmt = Stake.Parse("10000000000000000000000000");
    private static readonly DisplayUnit Cmt = DisplayUnit.Create(18, "CMT");
    private static readonly string[] Formats = ["md", "csv", "json"];
    private static readonly int[] ReadyAfter = [45, 75, 90, 120, 150, 180];

    private readonly BunitContext _bunit = new();
    private readonly FakeTimeProvider _clock = new(HalfPastFiveEst);
    private readonly IncidentNotifier _notifier = new(NullLogger<IncidentNotifier>.Instance);

    public ForecastComponentTests()
    {
        _bunit.Services.AddMudServices();
        _bunit.Services.AddSingleton<TimeProvider>(_clock);
        _bunit.Services.AddSingleton(_notifier);
        _bunit.Services.AddSingleton(new ConsoleOptions { LiveThrottle = TimeSpan.FromMilliseconds(250) });
        _bunit.Services.AddSingleton(new ForecastSettings());
        _bunit.Services.AddSingleton<Portal.Web.Features.Demo.StoryTime>();
        _bunit.Services.AddSingleton<ForecastCache>();
        _bunit.AddAuthorization();
        _bunit.Services.AddScoped<OperationScope>();
        _bunit.JSInterop.Mode = JSRuntimeMode.Loose;
        _bunit.SetRendererInfo(new RendererInfo("Static", isInteractive: false));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>MudBlazor's services dispose asynchronously only.</summary>
    public async Task DisposeAsync() => await _bunit.DisposeAsync();

    private static IncidentView CyberMiles(Func<int, bool>? ready = null, Incident? incident = null, Network? network = null)
    {
        network ??= Network.Create("CyberMiles", "cmt-" + Guid.NewGuid().ToString("N")[..8], QuorumRule.TwoThirdsOfStake, Published, Cmt);
        incident ??= Incident.Declare(network, "CVM crash halts mainnet at block 1724747", BlockHeight.Create(1_724_747), null, Published.AddHours(-9));
        var release = Release.Draft(incident, "v0.1.8-beta-hotfix", "notes",
            [Artifact.Create("linux-amd64", "https://example.org/travis_linux_amd64.tar.gz", Sha256Digest.Parse(new string('a', 64)), 1)], "coredev", Published.AddMinutes(-30));
        incident.Publish(release, supersedes: false, Published);
        var lines = Web.Api.Api.Zones.Select((zone, seat) =>
        {
            var isReady = ready?.Invoke(seat) ?? seat is >= 12 and < 18;
            var at = isReady ? Published.AddMinutes(seat is >= 12 and < 18 ? ReadyAfter[seat - 12] : 60) : Published;
            return new ValidatorLine(Guid.CreateVersion7(Published.AddSeconds(seat)), $"seat-{seat:00}", $"Validator {seat:00}", zone, null, TenMillionCmt,
                isReady ? ValidatorState.Ready : ValidatorState.Pending, isReady ? release.Version : null, null, at, null);
        }).ToList();
        var quorum = Quorum.Evaluate(network.Quorum, [.. lines.Select(l => new QuorumVoter(l.ValidatorId.ToString("N"), l.Stake, l.State))]);
        return new IncidentView(incident, network, lines, quorum, [], release, [release], [], [], HalfPastFiveEst);
    }

    [Fact]
    public void Consoles_share_one_forecast_per_incident_state_and_minute()
    {
        var view = CyberMiles();
        var cache = new ForecastCache(new ForecastSettings());

        var first = cache.Get(view, HalfPastFiveEst.AddSeconds(5));
        Assert.Same(first, cache.Get(view, HalfPastFiveEst.AddSeconds(50)));
        Assert.Equal(HalfPastFiveEst, first.Result.AsOf);
        Assert.Equal(ForecastModel.Build(view, HalfPastFiveEst, new ForecastSettings()).Result.ProjectedQuorumAt, first.Result.ProjectedQuorumAt);

        Assert.NotSame(first, cache.Get(view, HalfPastFiveEst.AddMinutes(1)));
        view.Incident.Changed(HalfPastFiveEst);
        var changed = cache.Get(view, HalfPastFiveEst.AddMinutes(1));
        Assert.Same(changed, cache.Get(view, HalfPastFiveEst.AddMinutes(1).AddSeconds(30)));
    }

    private IRenderedComponent<ForecastPanel> Panel(IncidentView view) =>
        _bunit.Render<ForecastPanel>(p => p.Add(c => c.IncidentId, view.Incident.Id).Add(c => c.View, view));

    [Fact]
    public void At_half_past_five_EST_the_panel_projects_quorum_in_the_Asian_morning_and_lists_eleven_to_wake_Sydney_first()
    {
        var view = CyberMiles();
        var cut = Panel(view);
        var expected = ForecastModel.Build(view, HalfPastFiveEst, new ForecastSettings()).Result;

        var projection = cut.Find("#forecast-projection");
        Assert.Contains($"{expected.ProjectedQuorumAt!.Value.UtcDateTime:ddd HH:mm} UTC", projection.TextContent, StringComparison.Ordinal);
        Assert.Equal("2026-11-23T" + expected.BandEarliest!.Value.UtcDateTime.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture) + ":00Z",
            cut.Find("#band-earliest").GetAttribute("datetime"));
        Assert.InRange(expected.ProjectedQuorumAt.Value.UtcDateTime.Hour, 0, 3);
        Assert.Contains("median response 1 h 30 min from 6 validators", cut.Find(".forecast-basis").TextContent, StringComparison.Ordinal);

        var items = cut.FindAll("#forecast-wake-next > li");
        Assert.Equal(11, items.Count);
        Assert.Equal("seat-11", items[0].GetAttribute("data-key"));
        Assert.Equal("true", items[0].GetAttribute("data-awake"));
        Assert.Contains("awake", items[0].QuerySelector(".awake-chip")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("09:30", items[0].QuerySelector("time.local-time")!.TextContent, StringComparison.Ordinal);
        Assert.All(items.Skip(1), li => Assert.Equal("false", li.GetAttribute("data-awake")));
        Assert.Contains("asleep, wakes Sun 23:00 UTC (in 30 min)", items[1].TextContent, StringComparison.Ordinal);
        Assert.Equal("10,000,000 CMT", items[1].QuerySelector(".stake-amount")!.TextContent);
        Assert.Equal("1", cut.Find("#awake-count").TextContent);
        Assert.Contains("at least 11 more validators", cut.Find("#forecast-needed").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void The_strip_shows_not_ready_validators_by_UTC_offset_night_and_day_and_the_time_now()
    {
        var cut = Panel(CyberMiles());

        var columns = cut.FindAll("svg.sun-strip-svg g[data-offset]");
        Assert.Equal(Enumerable.Range(-11, 24).Select(o => o.ToString(System.Globalization.CultureInfo.InvariantCulture)), columns.Select(c => c.GetAttribute("data-offset")));
        string Column(int offset, string what) => columns.Single(c => c.GetAttribute("data-offset") == offset.ToString(System.Globalization.CultureInfo.InvariantCulture)).GetAttribute(what)!;

        // Seven validators at UTC+8 (06:30 there), all asleep; Sydney (+11, 09:30) is up; New York's are all ready.
        Assert.Equal("7", Column(8, "data-not-ready"));
        Assert.Equal("sun-asleep", Column(8, "class"));
        Assert.Equal("1", Column(11, "data-not-ready"));
        Assert.Equal("sun-awake", Column(11, "class"));
        Assert.Equal("0", Column(-5, "data-not-ready"));
        Assert.Equal("sun-awake", Column(-5, "class"));
        Assert.Equal("now Sun 22:30 UTC", cut.Find("#sun-now-label").TextContent);
        Assert.Single(cut.FindAll("g[data-offset='8'] rect.sun-bar"));
        Assert.Empty(cut.FindAll("g[data-offset='-5'] rect.sun-bar"));
        Assert.Contains("UTC+8: 7 not ready, night", cut.Find("#sun-strip-caption").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("svg [style], svg[style]"));
    }

    [Fact]
    public void In_a_circuit_the_panel_follows_the_incident_and_shows_quorum_reached()
    {
        _bunit.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        var view = CyberMiles();
        var cut = Panel(view);
        Assert.Equal(11, cut.FindAll("#forecast-wake-next > li").Count);

        // Japan and Korea report ready overnight: seven more needed.
        _notifier.Publish(CyberMiles(seat => seat is >= 12 and < 18 or 4 or 5 or 6 or 11, view.Incident, view.Network));
        cut.WaitForAssertion(() => Assert.Equal(7, cut.FindAll("#forecast-wake-next > li").Count));

        _clock.Advance(TimeSpan.FromSeconds(1));
        _notifier.Publish(CyberMiles(seat => seat < 17, view.Incident, view.Network));
        cut.WaitForAssertion(() => Assert.Equal("Quorum is reached.", cut.Find("#forecast-reached").TextContent));
        Assert.Empty(cut.FindAll("#forecast-wake-next"));
        Assert.Empty(cut.FindAll("#forecast-needed"));
    }

    [Fact]
    public void The_waking_window_editor_shows_the_chosen_validators_hours_and_refuses_bad_times_before_asking_the_server()
    {
        var view = CyberMiles();
        var lines = view.Validators.Take(2).Select((l, i) => i == 1 ? l with { WakeFromMinute = 20 * 60, WakeUntilMinute = 6 * 60 } : l).ToList();
        _bunit.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        var cut = _bunit.Render<WakingWindowEditor>(p => p.Add(c => c.IncidentId, view.Incident.Id).Add(c => c.Validators, lines).Add(c => c.Key, lines[1].Key));

        Assert.Contains("Now 20:00–06:00 in Asia/Shanghai", cut.Find("#waking-window-current").TextContent, StringComparison.Ordinal);
        Assert.Equal("20:00", cut.Find("#wake-from").GetAttribute("value"));
        Assert.Equal("06:00", cut.Find("#wake-until").GetAttribute("value"));

        cut.Find("#wake-from").Change("7:00");
        cut.Find("#wake-until").Change("");
        cut.Find("#wake-save").Click();

        Assert.Contains("24-hour time", cut.Markup, StringComparison.Ordinal);
        Assert.Equal(WakingWindowWords.ForPeople.FromNotATime, Beside(cut, "#wake-from"));
        Assert.Equal(WakingWindowWords.ForPeople.UntilMissing, Beside(cut, "#wake-until"));
        Assert.DoesNotContain("wakeFrom", cut.Markup, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("#waking-window-message"));
    }

    [Theory]
    [InlineData("08:00", "", null, "Give the time they stop, such as 22:00.")]
    [InlineData("", "22:00", "Give the time they start, such as 08:00.", null)]
    [InlineData("09:00", "09:00", null, "Until must differ from From.")]
    [InlineData("", "", "Give the time they start, such as 08:00.", "Give the time they stop, such as 22:00.")]
    [InlineData("08:00", "25:00", null, "Not a 24-hour time: write hours and minutes, such as 22:00.")]
    public void Each_waking_hours_field_says_only_what_is_wrong_with_itself(string from, string until, string? fromMessage, string? untilMessage)
    {
        var view = CyberMiles();
        _bunit.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        var cut = _bunit.Render<WakingWindowEditor>(p => p.Add(c => c.IncidentId, view.Incident.Id).Add(c => c.Validators, view.Validators.Take(1).ToList()));

        cut.Find("#wake-from").Change(from);
        cut.Find("#wake-until").Change(until);
        cut.Find("#wake-save").Click();

        Assert.Equal(fromMessage, Beside(cut, "#wake-from"));
        Assert.Equal(untilMessage, Beside(cut, "#wake-until"));
        Assert.DoesNotContain("Give both times", cut.Markup, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("#waking-window-message"));
    }

    [Fact]
    public void The_waking_hours_are_24_hour_text_fields_not_the_browsers_locale_clock()
    {
        var view = CyberMiles();
        var cut = _bunit.Render<WakingWindowEditor>(p => p.Add(c => c.IncidentId, view.Incident.Id).Add(c => c.Validators, view.Validators.Take(1).ToList()));

        foreach (var id in new[] { "#wake-from", "#wake-until" })
        {
            var input = cut.Find(id);
            Assert.Equal("text", input.GetAttribute("type"));
            Assert.Equal("5", input.GetAttribute("maxlength"));
        }

        Assert.Equal("08:00", cut.Find("#wake-from").GetAttribute("value"));
        Assert.Equal("22:00", cut.Find("#wake-until").GetAttribute("value"));
    }

    /// <summary>The error text MudBlazor shows under a field (null when the field is fine).</summary>
    private static string? Beside(IRenderedComponent<WakingWindowEditor> cut, string input) =>
        cut.Find(input).Closest(".mud-input-control")?.QuerySelector(".mud-input-helper-text")?.TextContent.Trim() is { Length: > 0 } text ? text : null;

    [Fact]
    public void The_waking_window_editor_for_2000_validators_holds_no_component_per_validator_and_searches_by_name_or_key()
    {
        var view = CyberMiles();
        var template = view.Validators[0];
        var lines = Enumerable.Range(0, 2_000)
            .Select(i => template with { ValidatorId = Guid.CreateVersion7(Published.AddSeconds(i)), Key = $"0xseat{i:0000}", Name = $"Validator {i}" })
            .ToList();
        _bunit.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        var few = _bunit.Render<WakingWindowEditor>(p => p.Add(c => c.IncidentId, view.Incident.Id).Add(c => c.Validators, lines.Take(2).ToList()));
        var cut = _bunit.Render<WakingWindowEditor>(p => p.Add(c => c.IncidentId, view.Incident.Id).Add(c => c.Validators, lines).Add(c => c.Key, lines[1234].Key));

        // As many components and about as much markup as for two validators: nothing is built per validator.
        Assert.Empty(cut.FindComponents<MudBlazor.MudSelectItem<string>>());
        Assert.Equal(few.FindComponents<IComponent>().Count, cut.FindComponents<IComponent>().Count);
        Assert.InRange(cut.Markup.Length, 1, few.Markup.Length + 200);
        Assert.Equal("Validator 1234", cut.Find("#waking-window-validator").GetAttribute("value"));
        Assert.Contains("Now 08:00–22:00", cut.Find("#waking-window-current").TextContent, StringComparison.Ordinal);

        // The search lists at most 20 (and one more, so the editor can say more match), by name or by key.
        Assert.Equal(WakingWindowEditor.MaxMatches + 1, WakingWindowEditor.Matches(lines, "").Count());
        Assert.Equal(WakingWindowEditor.MaxMatches + 1, WakingWindowEditor.Matches(lines, "validator 1").Count());
        Assert.Equal([lines[1234].Key], WakingWindowEditor.Matches(lines, " Validator 1234 "));
        Assert.Equal([lines[42].Key], WakingWindowEditor.Matches(lines, "SEAT0042"));
        Assert.Empty(WakingWindowEditor.Matches(lines, "nobody"));

        // A browser's time field reaches the editor with seconds: whole minutes are taken, anything else is refused as before.
        Assert.Equal("07:00", WakingWindowEditor.FromTimeInput("07:00:00"));
        Assert.Equal("07:00:30", WakingWindowEditor.FromTimeInput("07:00:30"));
        Assert.Equal("7:00", WakingWindowEditor.FromTimeInput("7:00"));
    }

    [Fact]
    public void The_postmortem_button_links_the_three_formats()
    {
        var id = Guid.CreateVersion7();
        var cut = _bunit.Render<PostmortemButton>(p => p.Add(c => c.IncidentId, id));

        var links = cut.FindAll("#postmortem-downloads a");
        Assert.Equal(Formats.Select(f => $"/incidents/{id}/postmortem?format={f}"), links.Select(a => a.GetAttribute("href")));
        Assert.All(links, a => Assert.StartsWith($"postmortem-{id:N}.", a.GetAttribute("download"), StringComparison.Ordinal));
    }
}
