using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Portal.Domain;

/// <summary>
/// The hours of a validator's local day in which its operator can be expected to answer: from
/// <see cref="FromMinute"/> (inclusive) to <see cref="UntilMinute"/> (exclusive), in minutes after local
/// midnight. A window may wrap past midnight (20:00–06:00 for an operator who works nights). The zone itself
/// is the caller's: the domain is handed a <see cref="TimeZoneInfo"/> and reads no zone database by name.
/// </summary>
public readonly record struct WakingWindow
{
    public const int MinutesPerDay = 24 * 60;

    /// <summary>08:00–22:00, for every validator nobody said otherwise about.</summary>
    public static readonly WakingWindow Default = new(8 * 60, 22 * 60);

    private WakingWindow(int fromMinute, int untilMinute)
    {
        FromMinute = fromMinute;
        UntilMinute = untilMinute;
    }

    public int FromMinute { get; }
    public int UntilMinute { get; }

    public static WakingWindow Create(int fromMinute, int untilMinute) =>
        TryCreate(fromMinute, untilMinute, out var window, out var error) ? window : throw new DomainException(error, "wakeFrom");

    public static bool TryCreate(int fromMinute, int untilMinute, out WakingWindow window, [NotNullWhen(false)] out string? error)
    {
        window = Default;
        if (fromMinute is < 0 or >= MinutesPerDay || untilMinute is < 0 or >= MinutesPerDay)
        {
            error = "A waking window runs between 00:00 and 23:59.";
            return false;
        }

        if (fromMinute == untilMinute)
        {
            error = "A waking window must start and end at different times.";
            return false;
        }

        window = new WakingWindow(fromMinute, untilMinute);
        error = null;
        return true;
    }

    /// <summary>Reads "HH:mm" (24-hour, two digits each, as a time input sends it): "08:00", "22:30".</summary>
    public static bool TryParseTime(string? text, out int minute)
    {
        minute = 0;
        if (text is not { Length: 5 } || text[2] != ':'
            || !TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return false;
        }

        minute = (time.Hour * 60) + time.Minute;
        return true;
    }

    public static string FormatTime(int minute) => $"{minute / 60:00}:{minute % 60:00}";

    public string From => FormatTime(FromMinute);

    public string Until => FormatTime(UntilMinute);

    /// <summary>How many minutes of the day the operator is awake.</summary>
    public int LengthMinutes => (UntilMinute - FromMinute + MinutesPerDay) % MinutesPerDay;

    public bool Contains(int localMinute) => FromMinute < UntilMinute
        ? localMinute >= FromMinute && localMinute < UntilMinute
        : localMinute >= FromMinute || localMinute < UntilMinute;

    /// <summary>Awake at <paramref name="at"/> in <paramref name="zone"/>; without a zone the portal cannot tell and counts the operator awake.</summary>
    public bool IsAwake(DateTimeOffset at, TimeZoneInfo? zone)
    {
        if (zone is null)
        {
            return true;
        }

        var local = TimeZoneInfo.ConvertTime(at, zone);
        return Contains((local.Hour * 60) + local.Minute);
    }

    /// <summary>
    /// <paramref name="at"/> itself while awake, else the next moment the window opens (in UTC). A window opening
    /// inside a daylight-saving gap opens when the clocks have moved on.
    /// </summary>
    public DateTimeOffset NextWake(DateTimeOffset at, TimeZoneInfo? zone)
    {
        if (zone is null || IsAwake(at, zone))
        {
            return at;
        }

        var local = TimeZoneInfo.ConvertTime(at, zone);
        var opening = local.Date.AddMinutes(FromMinute);
        if (opening <= local.DateTime)
        {
            opening = opening.AddDays(1);
        }

        while (zone.IsInvalidTime(opening))
        {
            opening = opening.AddMinutes(30);
        }

        var offset = zone.IsAmbiguousTime(opening) ? zone.GetAmbiguousTimeOffsets(opening).Max() : zone.GetUtcOffset(opening);
        return new DateTimeOffset(DateTime.SpecifyKind(opening, DateTimeKind.Unspecified), offset).ToUniversalTime();
    }

    public override string ToString() => $"{From}–{Until}";
}
