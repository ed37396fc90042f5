using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Tests.Infrastructure;
using ApiCalls = Portal.Tests.Web.Api.Api;
using Portal.Web.Features.Demo;
using Portal.Web.Features.Incidents;

namespace Portal.Tests.Web;

/// <summary>The demo tells the CyberMiles story on its own clock: seeded to 17:30 EST, played on to quorum at 22:00 EST.</summary>
public sealed class DemoStoryTests(DemoPortalFactory portal) : IClassFixture<DemoPortalFactory>
{
    private static readonly TimeSpan Est = TimeSpan.FromHours(-5);

    private static string Clock(DateTimeOffset at) => at.ToOffset(Est).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    private async Task<(Incident Incident, List<TimelineEvent> Timeline)> ReadAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var demo = await DemoIncident.LoadAsync(portal);
        var incident = await db.Incidents.AsNoTracking().SingleAsync(i => i.Id == demo.Id);
        var timeline = await db.TimelineEvents.AsNoTracking().Where(e => e.IncidentId == demo.Id).OrderBy(e => e.Id).ToListAsync();
        return (incident, timeline);
    }

    [Fact]
    public async Task The_seeded_drill_carries_the_storys_times_and_plays_on_to_quorum_at_22_00_est_when_asia_has_woken()
    {
        var (incident, seeded) = await ReadAsync();

        Assert.True(incident.IsDrill);
        Assert.Equal("05:00", Clock(incident.DeclaredAt));
        Assert.Equal("05:00", Clock(seeded[0].At));
        Assert.Equal("17:00", Clock(seeded.Single(e => e.Kind == TimelineKinds.ReleasePublished).At));
        Assert.Equal("17:30", Clock(seeded[^1].At));
        Assert.True(seeded.Select(e => e.At).Distinct().Count() > 20, "the seeded timeline should span the day, not one moment");
        Assert.True(seeded[^1].At < DateTimeOffset.UtcNow, "no entry is dated in the future");
        Assert.Equal(IncidentStatus.Coordinating, incident.Status);

        // 17:30: North America ready, Asia asleep.
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var view = await scope.ServiceProvider.GetRequiredService<IncidentReader>().LoadAsync(incident.Id);
            var ready = view!.Validators.Where(v => v.State == ValidatorState.Ready).Select(v => v.TimeZone!).ToList();
            Assert.Equal(6, ready.Count);
            Assert.All(ready, zone => Assert.StartsWith("America/", zone, StringComparison.Ordinal));
            Assert.All(view.Validators.Where(v => v.TimeZone!.StartsWith("Asia/", StringComparison.Ordinal)), v => Assert.Equal(ValidatorState.Pending, v.State));
        }

        // On the story's clock at 17:30 the forecast sees the night the story is in: Asia asleep, its morning
        // ahead, and the band holds 22:00 EST, when the time-lapse will bring quorum.
        var stories = portal.Services.GetRequiredService<StoryTime>();
        var halfPastFive = DemoStory.At(incident.DeclaredAt, DemoStory.SeededUntil);
        stories.Anchor(incident.Id, halfPastFive, DateTimeOffset.UtcNow, speed: 0, end: halfPastFive);
        using (var admin = portal.CreateApiClient((await TestUsers.CreateAsync(portal, ["admin"])).Token))
        {
            var forecast = await ApiCalls.OkAsync(await admin.GetAsync(ApiCalls.Path($"/api/v1/incidents/{incident.Id}/forecast")));
            Assert.Equal(halfPastFive, forecast.GetProperty("asOf").GetDateTimeOffset());
            var band = forecast.GetProperty("band");
            var quorumAt = DemoStory.At(incident.DeclaredAt, DemoStory.QuorumAt);
            Assert.True(band.GetProperty("earliest").GetDateTimeOffset() <= quorumAt && quorumAt <= band.GetProperty("latest").GetDateTimeOffset(), forecast.ToString());
        }

        // Played at a pace of a tick per simulated hour, the time-lapse keeps the story clock with it to the end.
        var played = await ActivatorUtilities.CreateInstance<DemoTimeLapse>(portal.Services).PlayAsync(TimeSpan.FromTicks(1));
        Assert.Equal(DemoStory.At(incident.DeclaredAt, DemoStory.End), stories.Now(incident.Id));

        var (after, timeline) = await ReadAsync();
        Assert.Equal(DemoStory.Steps.Count(s => s.Est > DemoStory.SeededUntil) + 1, played);
        var quorum = timeline.Single(e => e.Kind == TimelineKinds.QuorumReached);
        Assert.Equal("22:00", Clock(quorum.At));
        Assert.Equal("Quorum reached: 17 of 24 validators ready (more than 2/3 of stake).", quorum.Summary);
        Assert.Equal("22:30", Clock(timeline.Single(e => e.Summary.Contains("→ resumed", StringComparison.Ordinal)).At));
        Assert.Equal("22:40", Clock(timeline[^1].At));
        Assert.Equal(IncidentStatus.Resumed, after.Status);
        Assert.True(timeline.Zip(timeline.Skip(1)).All(p => p.First.At <= p.Second.At), "entries in time order");
        Assert.Null(TimelineEvent.Verify(timeline));

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var history = await scope.ServiceProvider.GetRequiredService<StakeHistoryReader>().LoadAsync(incident.Id);
            Assert.Equal("22:00", Clock(history!.QuorumAt!.Value));
            Assert.Equal("05:00", Clock(history.Start));
            Assert.Equal("22:40", Clock(history.End));
        }

        // Played once, the story is over: a second pass (a restart) finds nothing left to play.
        Assert.Equal(0, await ActivatorUtilities.CreateInstance<DemoTimeLapse>(portal.Services).PlayAsync(TimeSpan.Zero));
    }

    [Theory]
    [InlineData("2026-12-01T12:27:00Z", "2026-11-30T10:00:00Z")]
    [InlineData("2026-12-02T03:40:00Z", "2026-12-01T10:00:00Z")]
    [InlineData("2026-12-02T03:39:59Z", "2026-11-30T10:00:00Z")]
    public void The_story_is_set_on_the_latest_day_that_ends_before_now(string now, string halt)
    {
        var at = DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(DateTimeOffset.Parse(halt, System.Globalization.CultureInfo.InvariantCulture), DemoStory.HaltFor(at));
        Assert.Equal("05:00", Clock(DemoStory.HaltFor(at)));
    }
}
