using Microsoft.Extensions.Time.Testing;
using Portal.Web.Features.Demo;

namespace Portal.Tests.Web;

public sealed class StoryTimeTests
{
    private static readonly DateTimeOffset Real = new(2026, 12, 1, 15, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Story = new(2026, 11, 30, 22, 30, 0, TimeSpan.Zero);

    [Fact]
    public void A_story_runs_from_its_anchor_at_its_speed_and_stops_at_its_end_other_incidents_keep_the_real_clock()
    {
        var clock = new FakeTimeProvider(Real);
        var time = new StoryTime(clock);
        var told = Guid.NewGuid();
        time.Anchor(told, Story, Real, speed: 120, end: Story.AddHours(5));

        Assert.Equal(Story, time.Now(told));
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(Story.AddHours(1), time.Now(told));
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(Story.AddHours(5), time.Now(told));

        var other = Guid.NewGuid();
        Assert.Equal(clock.GetUtcNow(), time.Now(other));
    }
}
