using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Demo;

/// <summary>
/// Plays the rest of the demo story after seeding (17:30 to 22:40 EST) on a compressed clock, so that someone
/// who opens the portal watches Europe and then Asia come in and quorum arrive in a few minutes. Each report is
/// written at its story time, exactly as the seeder writes the first part. Enabled by
/// <c>Portal:Demo:TimeLapse</c> (<c>./portal run</c> sets it); <c>Portal:Demo:SecondsPerSimulatedHour</c>
/// (default 30) sets the pace. After a restart it carries on from the last entry written.
/// </summary>
public sealed partial class DemoTimeLapse(IServiceScopeFactory scopes, IConfiguration configuration, TimeProvider clock, StoryTime story, ILogger<DemoTimeLapse> logger) : BackgroundService
{
    public const double DefaultSecondsPerSimulatedHour = 30;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue<bool>("Portal:SeedDemo") || !configuration.GetValue<bool>("Portal:Demo:TimeLapse"))
        {
            return;
        }

        var pace = TimeSpan.FromSeconds(configuration.GetValue("Portal:Demo:SecondsPerSimulatedHour", DefaultSecondsPerSimulatedHour));
        try
        {
            var played = await PlayAsync(pace, stoppingToken);
            LogPlayed(played);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is DbUpdateException or DomainException or NotFoundException or Npgsql.NpgsqlException or InvalidOperationException)
        {
            // The demo is a demo: whatever stopped it (a commander moved the drill by hand, say) must not stop the portal.
            LogStopped(ex);
        }
    }

    /// <summary>
    /// Plays every step after the last entry written, waiting <paramref name="realPerSimulatedHour"/> of real
    /// time (by the injected clock) per simulated hour between them. Returns how many steps it played.
    /// </summary>
    public async Task<int> PlayAsync(TimeSpan realPerSimulatedHour, CancellationToken cancellationToken = default)
    {
        Incident incident;
        List<Validator> seats;
        DateTimeOffset last;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var network = await db.Networks.AsNoTracking().SingleOrDefaultAsync(n => n.ChainId == DemoSeeder.ChainId, cancellationToken);
            if (network is null || await db.Incidents.AsNoTracking().Where(i => i.NetworkId == network.Id && i.IsDrill).OrderBy(i => i.DeclaredAt).FirstOrDefaultAsync(cancellationToken) is not { } found)
            {
                return 0;
            }

            incident = found;
            var byKey = await db.Validators.AsNoTracking().Where(v => v.NetworkId == network.Id).ToDictionaryAsync(v => v.Key, cancellationToken);
            seats = [.. Enumerable.Range(0, DemoSeeder.Operators.Length).Select(seat => byKey[DemoSeeder.DemoKey(seat)])];
            last = await db.TimelineEvents.AsNoTracking().Where(e => e.IncidentId == incident.Id).MaxAsync(e => e.At, cancellationToken);
        }

        var halt = incident.DeclaredAt;
        var steps = DemoStory.Steps
            .Select(s => (At: DemoStory.At(halt, s.Est), Step: (DemoStep?)s))
            .Append((At: DemoStory.At(halt, DemoStory.Resumed), Step: null))
            .Where(s => s.At > last)
            .OrderBy(s => s.At)
            .ToList();

        // The forecast reads the story's own now while it plays: the night it projects is the story's.
        var speed = realPerSimulatedHour > TimeSpan.Zero ? TimeSpan.FromHours(1) / realPerSimulatedHour : 0;
        var end = DemoStory.At(halt, DemoStory.End);
        var position = last;
        if (steps.Count > 0 && speed > 0)
        {
            story.Anchor(incident.Id, last, clock.GetUtcNow(), speed, end);
        }

        foreach (var (at, step) in steps)
        {
            var wait = realPerSimulatedHour * ((at - position) / TimeSpan.FromHours(1));
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, clock, cancellationToken);
            }

            position = at;
            if (speed > 0)
            {
                // Re-anchored at each step, so the story clock never drifts from what was written.
                story.Anchor(incident.Id, at, clock.GetUtcNow(), speed, end);
            }

            await using var scope = scopes.CreateAsyncScope();
            var writes = ActivatorUtilities.CreateInstance<IncidentWrites>(scope.ServiceProvider, new StoryClock(at));
            if (step is not null)
            {
                await DemoSeeder.ApplyAsync(writes, incident.Id, seats[step.Seat], step.State, cancellationToken);
            }
            else
            {
                await writes.ChangeAsync(incident.Id, DemoSeeder.Actor, change =>
                {
                    if (change.Incident.Status != IncidentStatus.QuorumReached)
                    {
                        return Task.FromResult(false);
                    }

                    change.Incident.MoveTo(IncidentStatus.Resumed, quorumReached: true, reason: null, change.Now);
                    change.Record(TimelineKinds.StatusChanged, $"Status: {Incident.Describe(IncidentStatus.QuorumReached)} → {Incident.Describe(IncidentStatus.Resumed)}. The chain produces blocks again.");
                    return Task.FromResult(true);
                }, cancellationToken);
            }
        }

        return steps.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo time-lapse done: {Steps} steps played")]
    private partial void LogPlayed(int steps);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo time-lapse stopped")]
    private partial void LogStopped(Exception exception);
}
