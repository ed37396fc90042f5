using Portal.Domain;
using Portal.Web.Features.Demo;

namespace Portal.Tests.Web;

/// <summary>
/// The demo's own story told to the forecast: the seeded state at 17:30 EST (fix out at 17:00, North America
/// ready within half an hour, Asia asleep) must project the Asian morning and hold the story's quorum at 22:00.
/// </summary>
public sealed class DemoForecastTests
{
    [Fact]
    public void At_the_end_of_the_seeded_story_the_forecast_band_holds_the_quorum_the_time_lapse_then_plays()
    {
        var halt = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
        var asOf = DemoStory.At(halt, DemoStory.SeededUntil);
        var latest = new Dictionary<int, DemoStep>();
        foreach (var step in DemoStory.Steps.Where(s => s.Est <= DemoStory.SeededUntil))
        {
            latest[step.Seat] = step;
        }

        var voters = DemoSeeder.Operators.Select((op, seat) =>
        {
            var step = latest.GetValueOrDefault(seat);
            var state = step?.State ?? ValidatorState.Pending;
            return new ForecastVoter(
                new QuorumVoter($"seat-{seat}", DemoSeeder.StakePerValidator, state),
                TimeZoneInfo.FindSystemTimeZoneById(op.TimeZone),
                WakingWindow.Default,
                state == ValidatorState.Ready ? DemoStory.At(halt, step!.Est) : null);
        }).ToList();

        var forecast = QuorumForecast.Project(QuorumRule.TwoThirdsOfStake, voters, asOf, DemoStory.At(halt, DemoStory.Published), new ForecastOptions());

        var quorum = DemoStory.At(halt, DemoStory.QuorumAt);
        Assert.Equal(6, voters.Count(v => v.Voter.State == ValidatorState.Ready));
        Assert.True(forecast.BandEarliest <= quorum && quorum <= forecast.BandLatest, $"band {forecast.BandEarliest:u} – {forecast.BandLatest:u} should hold {quorum:u}");
        var beijing = TimeZoneInfo.ConvertTime(forecast.ProjectedQuorumAt!.Value, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        Assert.True(beijing.Hour is >= 8 and < 12, $"projected {forecast.ProjectedQuorumAt:u}");
    }
}
