using System.Collections.Concurrent;

namespace Portal.Web.Features.Demo;

/// <summary>
/// Where a story played on a compressed clock stands, per incident. The demo writes each entry at its story time,
/// hours before the real now; a forecast made at the real now would project some other night than the one the
/// story is in. The forecast asks here first, and only the demo's time-lapse ever sets a story time.
/// </summary>
public sealed class StoryTime(TimeProvider clock)
{
    private readonly ConcurrentDictionary<Guid, (DateTimeOffset Story, DateTimeOffset Real, double Speed, DateTimeOffset End)> _anchors = new();

    /// <summary>From <paramref name="real"/> on, the story runs from <paramref name="story"/> at <paramref name="speed"/>× and stops at <paramref name="end"/>.</summary>
    public void Anchor(Guid incidentId, DateTimeOffset story, DateTimeOffset real, double speed, DateTimeOffset end) =>
        _anchors[incidentId] = (story, real, Math.Max(0, speed), end);

    /// <summary>The story's now for this incident, or the real now when it is not being told on a story clock.</summary>
    public DateTimeOffset Now(Guid incidentId)
    {
        var now = clock.GetUtcNow();
        if (!_anchors.TryGetValue(incidentId, out var anchor))
        {
            return now;
        }

        var told = anchor.Story + ((now - anchor.Real) * anchor.Speed);
        return told < anchor.Story ? anchor.Story : told > anchor.End ? anchor.End : told;
    }
}
