namespace Portal.Web.Features.Notifications;

/// <summary>
/// When a failed message is tried again: 30 s after the first failure, doubling each time, at most an hour apart,
/// each delay spread by ±20 % so that many messages failing together (a receiver down) do not retry in lockstep.
/// The first retry is therefore within 36 s, and no two attempts are more than an hour apart.
/// </summary>
public static class RetrySchedule
{
    public static readonly TimeSpan First = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan Longest = TimeSpan.FromHours(1);

    /// <summary>The delay after the <paramref name="attempts"/>-th failed attempt; <paramref name="random"/> in [0, 1).</summary>
    public static TimeSpan DelayAfter(int attempts, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        var doublings = Math.Min(attempts - 1, 20);
        var nominal = Math.Min(First.TotalSeconds * Math.Pow(2, doublings), Longest.TotalSeconds);
        var spread = nominal * (0.8 + (0.4 * Math.Clamp(random, 0, 1)));
        return TimeSpan.FromSeconds(Math.Min(spread, Longest.TotalSeconds));
    }
}
