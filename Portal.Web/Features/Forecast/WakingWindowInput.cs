using Portal.Domain;

namespace Portal.Web.Features.Forecast;

/// <summary>A waking window as typed: two "HH:mm" times, both or neither.</summary>
public static class WakingWindowInput
{
    /// <summary>The window, null when both are absent (blank counts as absent), or the problems named by field.</summary>
    public static (WakingWindow? Window, IReadOnlyList<(string Field, string Message)> Errors) Validate(string? wakeFrom, string? wakeUntil)
    {
        var errors = new List<(string, string)>();
        var from = string.IsNullOrWhiteSpace(wakeFrom) ? null : wakeFrom;
        var until = string.IsNullOrWhiteSpace(wakeUntil) ? null : wakeUntil;
        if (from is null && until is null)
        {
            return (null, errors);
        }

        int fromMinute = 0, untilMinute = 0;
        if (from is null)
        {
            errors.Add(("wakeFrom", "Give the waking window's start too (\"08:00\"): wakeFrom and wakeUntil go together."));
        }
        else if (!WakingWindow.TryParseTime(from, out fromMinute))
        {
            errors.Add(("wakeFrom", "The waking window's start must be a 24-hour time such as 08:00."));
        }

        if (until is null)
        {
            errors.Add(("wakeUntil", "Give the waking window's end too (\"22:00\"): wakeFrom and wakeUntil go together."));
        }
        else if (!WakingWindow.TryParseTime(until, out untilMinute))
        {
            errors.Add(("wakeUntil", "The waking window's end must be a 24-hour time such as 22:00."));
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        if (!WakingWindow.TryCreate(fromMinute, untilMinute, out var window, out var problem))
        {
            errors.Add(("wakeUntil", problem));
            return (null, errors);
        }

        return (window, errors);
    }
}
