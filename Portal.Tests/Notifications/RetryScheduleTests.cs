using Portal.Web.Features.Notifications;

namespace Portal.Tests.Notifications;

public sealed class RetryScheduleTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(0.999999)]
    public void The_first_retry_is_within_a_minute_and_no_gap_exceeds_an_hour(double random)
    {
        Assert.True(RetrySchedule.DelayAfter(1, random) <= TimeSpan.FromMinutes(1));
        for (var attempt = 1; attempt <= 200; attempt++)
        {
            var delay = RetrySchedule.DelayAfter(attempt, random);
            Assert.True(delay > TimeSpan.Zero && delay <= TimeSpan.FromHours(1), $"attempt {attempt}: {delay}");
        }
    }

    [Fact]
    public void Delays_double_until_the_cap_and_jitter_spreads_them()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), RetrySchedule.DelayAfter(1, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(60), RetrySchedule.DelayAfter(2, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(480), RetrySchedule.DelayAfter(5, 0.5));
        Assert.Equal(TimeSpan.FromHours(1), RetrySchedule.DelayAfter(12, 0.5));
        Assert.NotEqual(RetrySchedule.DelayAfter(3, 0.1), RetrySchedule.DelayAfter(3, 0.9));
    }

    [Fact]
    public void A_day_of_retries_is_a_few_dozen_attempts()
    {
        var elapsed = TimeSpan.Zero;
        var attempts = 0;
        while (elapsed < TimeSpan.FromHours(24))
        {
            attempts++;
            elapsed += RetrySchedule.DelayAfter(attempts, 0.5);
        }

        Assert.InRange(attempts, 20, 40);
    }
}
