using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Identity;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Demo;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Forecast;

public sealed record WakingWindowAnswer(string Key, string WakeFrom, string WakeUntil);

/// <summary>The forecast of one incident, and the waking windows it rests on.</summary>
public sealed class ForecastService(PortalDbContext db, IncidentReader reader, IncidentWrites writes, CallerAccess access, StoryTime story, ForecastSettings settings)
{
    /// <summary>Any signed-in user may read the forecast, as they may read quorum.</summary>
    public async Task<ForecastModel> ForecastAsync(Guid incidentId, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync();
        var view = await reader.LoadAsync(incidentId, cancellationToken) ?? throw new NotFoundException($"No incident {incidentId}.");
        return ForecastModel.Build(view, AsOf(story, incidentId), settings);
    }

    /// <summary>
    /// Now to the second (the document's localTime carries seconds, and awake validators' nextWakeAt is asOf), on
    /// the story's clock while the demo plays (<see cref="StoryTime"/>).
    /// </summary>
    public static DateTimeOffset AsOf(StoryTime story, Guid incidentId)
    {
        ArgumentNullException.ThrowIfNull(story);
        var now = story.Now(incidentId);
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    /// <summary>
    /// Sets when a validator's operator can be expected to answer (commanders and admins). The window belongs to
    /// the validator on its network; the change is recorded on this incident's timeline, and its watchers see
    /// the new forecast.
    /// </summary>
    public async Task<WakingWindowAnswer> ChangeWakingWindowAsync(Guid incidentId, string key, WakingWindow window, string actor, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.Commander);
        return await writes.ChangeAsync(incidentId, actor, async change =>
        {
            var validator = await db.Validators
                .Where(v => v.NetworkId == change.Network.Id && v.Key == key && db.IncidentValidators.Any(iv => iv.IncidentId == incidentId && iv.ValidatorId == v.Id))
                .SingleOrDefaultAsync(cancellationToken)
                ?? throw new NotFoundException($"Validator '{key}' is not in this incident's validator set.");
            var before = validator.WakingWindow;
            if (before != window)
            {
                validator.ChangeWakingWindow(window);
                change.Incident.Changed(change.Now);
                change.Record(TimelineKinds.WakingWindow, $"{validator.Name}: waking window {before} → {window}{(validator.TimeZone is null ? "" : $" ({validator.TimeZone})")}.");
                change.ValidatorChanged(validator.Id);
            }

            return new WakingWindowAnswer(validator.Key, window.From, window.Until);
        }, cancellationToken);
    }
}
