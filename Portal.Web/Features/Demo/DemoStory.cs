using Portal.Domain;

namespace Portal.Web.Features.Demo;

/// <summary>One validator's report in the story, at a wall-clock time in EST on the day of the halt.</summary>
public sealed record DemoStep(TimeSpan Est, int Seat, ValidatorState State);

/// <summary>
/// The CyberMiles halt as it happened (the seed postmortem): the chain stopped at 05:00 EST, the fix was out at
/// 17:00, North America was ready by 17:30, Europe followed through its evening, and quorum came at 22:00 EST
/// when the Asian operators, asleep at 17:00, had woken and upgraded. Seat numbers are
/// <see cref="DemoSeeder"/>'s operators. The seeder writes everything up to <see cref="SeededUntil"/> at its
/// story time; <see cref="DemoTimeLapse"/> plays the rest on a compressed clock.
/// </summary>
public static class DemoStory
{
    /// <summary>EST, as the postmortem tells it (the story keeps a fixed offset, no daylight saving).</summary>
    public static readonly TimeSpan Est = TimeSpan.FromHours(-5);

    public static readonly TimeSpan Halt = TimeSpan.FromHours(5);
    public static readonly TimeSpan SetFrozen = new(5, 20, 0);
    public static readonly TimeSpan Drafted = new(16, 40, 0);
    public static readonly TimeSpan Published = TimeSpan.FromHours(17);
    public static readonly TimeSpan SeededUntil = new(17, 30, 0);
    public static readonly TimeSpan QuorumAt = TimeSpan.FromHours(22);
    public static readonly TimeSpan Resumed = new(22, 30, 0);
    public static readonly TimeSpan End = new(22, 40, 0);

    private const int Taipei = 0, Beijing = 1, Shenzhen = 2, Hangzhou = 3, Seoul = 4, Tokyo = 5, Osaka = 6, Singapore = 7, HongKong = 8,
        Manila = 9, Sydney = 11, Austin = 12, LosAngeles = 13, Seattle = 14, NewYork = 15, Toronto = 16, Miami = 17, Berlin = 18,
        London = 19, Zug = 20, Moscow = 23;

    private static DemoStep S(int hour, int minute, int seat, ValidatorState state) => new(new TimeSpan(hour, minute, 0), seat, state);

    /// <summary>Every report, in time order. The 17th ready validator (Shenzhen) reports at 22:00: quorum.</summary>
    public static IReadOnlyList<DemoStep> Steps { get; } =
    [
        S(17, 4, NewYork, ValidatorState.Acknowledged), S(17, 5, Toronto, ValidatorState.Acknowledged), S(17, 6, Austin, ValidatorState.Acknowledged),
        S(17, 8, Miami, ValidatorState.Acknowledged), S(17, 9, LosAngeles, ValidatorState.Acknowledged), S(17, 10, Seattle, ValidatorState.Acknowledged),
        S(17, 11, London, ValidatorState.Acknowledged), S(17, 12, Berlin, ValidatorState.Acknowledged), S(17, 13, NewYork, ValidatorState.Downloading),
        S(17, 15, NewYork, ValidatorState.Ready), S(17, 16, Toronto, ValidatorState.Upgraded), S(17, 18, Austin, ValidatorState.Ready),
        S(17, 20, Toronto, ValidatorState.Ready), S(17, 21, LosAngeles, ValidatorState.Upgraded), S(17, 22, Miami, ValidatorState.Ready),
        S(17, 24, LosAngeles, ValidatorState.Ready), S(17, 25, Seattle, ValidatorState.Ready), S(17, 26, Zug, ValidatorState.Acknowledged),
        S(17, 28, Sydney, ValidatorState.Acknowledged), S(17, 29, Sydney, ValidatorState.Downloading), S(17, 30, Zug, ValidatorState.Downloading),

        // From here on the time-lapse: Europe late in its evening, then Asia from its morning.
        S(17, 45, Sydney, ValidatorState.Upgraded), S(18, 0, Sydney, ValidatorState.Ready), S(18, 10, London, ValidatorState.Downloading),
        S(18, 25, London, ValidatorState.Ready), S(18, 30, Berlin, ValidatorState.Ready), S(18, 50, Zug, ValidatorState.Ready),
        S(19, 5, Seoul, ValidatorState.Acknowledged), S(19, 10, Tokyo, ValidatorState.Acknowledged), S(19, 15, Taipei, ValidatorState.Acknowledged),
        S(19, 30, Singapore, ValidatorState.Acknowledged), S(19, 40, HongKong, ValidatorState.Acknowledged), S(19, 50, Beijing, ValidatorState.Acknowledged),
        S(20, 0, Shenzhen, ValidatorState.Acknowledged), S(20, 10, Osaka, ValidatorState.Acknowledged), S(20, 20, Manila, ValidatorState.Acknowledged),
        S(20, 30, Seoul, ValidatorState.Downloading), S(20, 35, Hangzhou, ValidatorState.Acknowledged), S(20, 40, Moscow, ValidatorState.Acknowledged),
        S(20, 45, Tokyo, ValidatorState.Downloading), S(21, 0, Seoul, ValidatorState.Upgraded), S(21, 5, Taipei, ValidatorState.Downloading),
        S(21, 10, Tokyo, ValidatorState.Ready), S(21, 20, Seoul, ValidatorState.Ready), S(21, 30, Taipei, ValidatorState.Ready),
        S(21, 40, Singapore, ValidatorState.Ready), S(21, 45, HongKong, ValidatorState.Ready), S(21, 50, Beijing, ValidatorState.Ready),
        S(22, 0, Shenzhen, ValidatorState.Ready), S(22, 10, Osaka, ValidatorState.Ready), S(22, 20, Manila, ValidatorState.Ready),
        S(22, 40, Hangzhou, ValidatorState.Ready),
    ];

    /// <summary>
    /// The instant of the halt (05:00 EST) for a story seeded at <paramref name="now"/>: the latest such moment
    /// whose whole story, to <see cref="End"/>, lies before now, so no entry is ever dated in the future, even
    /// when the time-lapse is done.
    /// </summary>
    public static DateTimeOffset HaltFor(DateTimeOffset now)
    {
        var halt = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero) + (Halt - Est);
        while (halt + (End - Halt) > now)
        {
            halt = halt.AddDays(-1);
        }

        return halt;
    }

    /// <summary>The instant of an EST wall-clock time on the day of the halt.</summary>
    public static DateTimeOffset At(DateTimeOffset halt, TimeSpan est) => halt + (est - Halt);
}

/// <summary>A clock that says whatever moment of the story is being written, so entries carry story times.</summary>
internal sealed class StoryClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
