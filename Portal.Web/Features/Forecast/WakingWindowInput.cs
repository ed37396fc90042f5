using Portal.Domain;

namespace Portal.Web.Features.Forecast;

/// <summary>
/// What each problem of a typed waking window says: <see cref="ForApi"/> names the JSON fields and CSV columns
/// (<c>wakeFrom</c>, <c>wakeUntil</c>), <see cref="ForPeople"/> speaks to someone at the console's From and Until fields.
/// </summary>
public sealed record WakingWindowWords(string FromMissing, string UntilMissing, string FromNotATime, string UntilNotATime, string Same)
{
    public static readonly WakingWindowWords ForApi = new(
        "wakeFrom is missing: give the time the operator starts answering, such as \"08:00\" (wakeFrom and wakeUntil go together).",
        "wakeUntil is missing: give the time the operator stops answering, such as \"22:00\" (wakeFrom and wakeUntil go together).",
        "wakeFrom must be a 24-hour time \"HH:mm\", such as \"08:00\".",
        "wakeUntil must be a 24-hour time \"HH:mm\", such as \"22:00\".",
        "wakeUntil must differ from wakeFrom: a waking window starts and ends at different times.");

    public static readonly WakingWindowWords ForPeople = new(
        "Give the time they start, such as 08:00.",
        "Give the time they stop, such as 22:00.",
        "Not a 24-hour time: write hours and minutes, such as 08:00.",
        "Not a 24-hour time: write hours and minutes, such as 22:00.",
        "Until must differ from From.");
}

/// <summary>A waking window as typed: two "HH:mm" times, both or neither.</summary>
public static class WakingWindowInput
{
    /// <summary>
    /// The window, null when both are absent (blank counts as absent) and <paramref name="required"/> is false, or
    /// the problems, each under the field it is about (<c>wakeFrom</c> or <c>wakeUntil</c>) and only there: a valid
    /// time is never blamed for its partner's problem. <paramref name="words"/> is <see cref="WakingWindowWords.ForApi"/>
    /// unless given.
    /// </summary>
    public static (WakingWindow? Window, IReadOnlyList<(string Field, string Message)> Errors) Validate(
        string? wakeFrom, string? wakeUntil, bool required = false, WakingWindowWords? words = null)
    {
        words ??= WakingWindowWords.ForApi;
        var errors = new List<(string, string)>();
        var from = string.IsNullOrWhiteSpace(wakeFrom) ? null : wakeFrom;
        var until = string.IsNullOrWhiteSpace(wakeUntil) ? null : wakeUntil;
        if (from is null && until is null && !required)
        {
            return (null, errors);
        }

        int fromMinute = 0, untilMinute = 0;
        if (from is null)
        {
            errors.Add(("wakeFrom", words.FromMissing));
        }
        else if (!WakingWindow.TryParseTime(from, out fromMinute))
        {
            errors.Add(("wakeFrom", words.FromNotATime));
        }

        if (until is null)
        {
            errors.Add(("wakeUntil", words.UntilMissing));
        }
        else if (!WakingWindow.TryParseTime(until, out untilMinute))
        {
            errors.Add(("wakeUntil", words.UntilNotATime));
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        if (fromMinute == untilMinute)
        {
            errors.Add(("wakeUntil", words.Same));
            return (null, errors);
        }

        // Both parsed as HH:mm and differ, so the window is valid; TryCreate's own check stays the last word.
        if (!WakingWindow.TryCreate(fromMinute, untilMinute, out var window, out var problem))
        {
            errors.Add(("wakeUntil", problem));
            return (null, errors);
        }

        return (window, errors);
    }
}
