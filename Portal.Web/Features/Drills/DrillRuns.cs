using System.Collections.Concurrent;
using Portal.Data.Identity;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Drills;

/// <summary>A drill started from the console: the incident it declared, once declared, and how it ended.</summary>
public sealed record DrillRun(Guid RunId, Task<Guid> Incident, Task<DrillResult> Completion);

/// <summary>
/// Drills running in this portal process. Each runs in the background against the portal's own HTTP API with a
/// token of the user who started it, so it goes through exactly the checks an outside tool would.
/// </summary>
public sealed partial class DrillRuns(ILoggerFactory loggers, TimeProvider clock, IHostApplicationLifetime lifetime)
{
    private readonly ConcurrentDictionary<Guid, DrillRun> _runs = new();

    /// <summary>How a run reaches the portal: over HTTP by default; tests point it at their in-process server.</summary>
    public Func<Uri, string, HttpClient> Clients { get; set; } = (portal, token) => DrillSimulator.CreateClient(portal, token);

    public IReadOnlyCollection<DrillRun> All => [.. _runs.Values];

    internal DrillRun Start(DrillPlan plan, Uri portal, string token)
    {
        var declared = new TaskCompletionSource<Guid>(TaskCreationOptions.RunContinuationsAsynchronously);
        var id = Guid.NewGuid();
        var completion = Task.Run(async () =>
        {
            using var client = Clients(portal, token);
            var simulator = new DrillSimulator(client, clock, loggers.CreateLogger<DrillSimulator>());
            try
            {
                return await simulator.RunAsync(plan, declared.SetResult, lifetime.ApplicationStopping);
            }
            catch (Exception ex)
            {
                declared.TrySetException(ex);
                LogFailed(loggers.CreateLogger<DrillRuns>(), ex, id);
                throw;
            }
        });
        var run = new DrillRun(id, declared.Task, completion);
        _runs[id] = run;
        return run;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drill run {RunId} stopped")]
    private static partial void LogFailed(ILogger logger, Exception exception, Guid runId);
}

/// <summary>Starts a drill for the signed-in user, from a console page (through OperationScope) or any service.</summary>
public sealed class DrillService(CallerAccess access, ApiTokens tokens, DrillRuns runs, TimeProvider clock)
{
    /// <summary>How long the token a drill runs with stays valid: longer than any drill on a compressed clock.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromDays(1);

    /// <summary>More would only slow the portal down for everyone else during the drill.</summary>
    public const int MaxValidators = 200;

    /// <summary>An hour per simulated hour: a drill in real time.</summary>
    public const int MaxSecondsPerHour = 3600;

    /// <summary>
    /// Declares a drill incident through the API at <paramref name="portal"/> and plays it in the background;
    /// returns once the incident exists. Admins may start one, and commanders who are also core developers on an
    /// existing network: each step goes through the API, which asks the same of the token (publishing the release:
    /// core developer or admin; a new network: admin), so the check here only refuses up front what would fail midway.
    /// </summary>
    public async Task<DrillRun> StartAsync(DrillPlan plan, Uri portal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(portal);
        var caller = await access.RequireAsync(Roles.Admin, Roles.Commander);
        if (plan.Validators is < 1 or > MaxValidators)
        {
            throw new DomainException($"A drill simulates between 1 and {MaxValidators} validators.");
        }

        if (!double.IsFinite(plan.SecondsPerSimulatedHour) || plan.SecondsPerSimulatedHour is < 0 or > MaxSecondsPerHour)
        {
            throw new DomainException($"A drill's clock runs between 0 and {MaxSecondsPerHour} real seconds per simulated hour.");
        }

        // Refused here rather than halfway: a drill that stops at its hotfix leaves a half-made DRILL incident behind.
        if (!caller.IsAny(Roles.Admin))
        {
            if (!caller.IsAny(Roles.CoreDev))
            {
                throw new ForbiddenException("A drill publishes its hotfix, which needs the core developer role as well as commander. Ask an admin for that role, or have an admin run the drill.");
            }

            if (plan.NetworkId is null)
            {
                throw new ForbiddenException("Only an admin may add a drill network. Choose an existing network to drill on.");
            }
        }

        var token = await tokens.CreateAsync(caller.Id, caller.UserName, "drill simulator", clock.GetUtcNow() + TokenLifetime, cancellationToken);
        var run = runs.Start(plan, portal, token);
        await run.Incident.WaitAsync(cancellationToken);
        return run;
    }
}
