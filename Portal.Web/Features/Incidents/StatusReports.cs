using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Identity;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Users;

namespace Portal.Web.Features.Incidents;

/// <summary>How a status report ended. Endpoints map it to a status code, pages to a message.</summary>
public enum ReportOutcomeKind
{
    Applied,
    Replayed,
    Forbidden,
    Conflict,
    NotFound,
    Invalid,
}

/// <summary>
/// The outcome of one report: the answer when applied or replayed, else what refused it (a message, and the
/// field at fault when the input was invalid). <see cref="IdempotencyConflict"/> tells a reused key from an
/// illegal transition, both conflicts.
/// </summary>
public sealed record ReportOutcome(ReportOutcomeKind Kind, StatusAnswer? Answer = null, bool Changed = false, string? Message = null, string? Field = null, bool IdempotencyConflict = false)
{
    public const string KeyReused = "This Idempotency-Key was already used for a different report; use a new key for a new report.";

    public bool Succeeded => Kind is ReportOutcomeKind.Applied or ReportOutcomeKind.Replayed;

    public static ReportOutcome Applied(StatusAnswer answer, bool changed) => new(ReportOutcomeKind.Applied, answer, changed);

    public static ReportOutcome Replay(StatusAnswer answer) => new(ReportOutcomeKind.Replayed, answer);

    public static ReportOutcome Refused(ReportOutcomeKind kind, string message, string? field = null) => new(kind, Message: message, Field: field);

    public static ReportOutcome KeyConflict() => new(ReportOutcomeKind.Conflict, Message: KeyReused, IdempotencyConflict: true);

    /// <summary>What the domain refused, as an outcome: illegal transitions are conflicts, the rest invalid input.</summary>
    public static ReportOutcome From(DomainException refused)
    {
        ArgumentNullException.ThrowIfNull(refused);
        return refused is IllegalTransitionException
            ? Refused(ReportOutcomeKind.Conflict, refused.Message)
            : Refused(ReportOutcomeKind.Invalid, refused.Message, refused.Field);
    }

    /// <summary>For callers written against exceptions: the result, or the exception the refusal has always been.</summary>
    public ReportResult ToResultOrThrow() => Kind switch
    {
        ReportOutcomeKind.Applied => new ReportResult(Answer!, Replayed: false, Changed),
        ReportOutcomeKind.Replayed => new ReportResult(Answer!, Replayed: true, Changed: false),
        ReportOutcomeKind.Forbidden => throw new ForbiddenException(Message!),
        ReportOutcomeKind.NotFound => throw new NotFoundException(Message!),
        ReportOutcomeKind.Conflict when IdempotencyConflict => throw new IdempotencyConflictException(Message!),
        ReportOutcomeKind.Conflict => throw new IllegalTransitionException(Message!),
        _ => throw new DomainException(Message!, Field),
    };
}

/// <summary>A report that passed every check that does not need the incident's lock.</summary>
public sealed record ReportCommand(
    Guid IncidentId, Guid ValidatorId, string Key, string ValidatorName, ValidatorState State, string? Version, string? Note,
    Guid UserId, string By, bool OnBehalf, string? IdempotencyKey, string RequestHash);

/// <summary>
/// The status report use case, whole: who may report (checked before the incident's lock: reports for one
/// incident apply one at a time, so the locked part must stay short), then, in the incident's lane, the apply
/// under the lock. Operators report only for validators bound to them; commanders and admins for anyone,
/// recorded as on the operator's behalf. With an idempotency key a retry returns the first answer and changes
/// nothing; the key and the change commit together.
/// </summary>
public sealed class StatusReports(PortalDbContext db, CallerAccess access, StatusReportLane lane)
{
    public async Task<ReportOutcome> SubmitAsync(
        Guid incidentId, string key, ValidatorState state, string? version, string? note, ClaimsPrincipal caller, string? idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var userId = UserEndpoints.CallerId(caller);
        if (userId is null)
        {
            return ReportOutcome.Refused(ReportOutcomeKind.Forbidden, "Sign in to report.");
        }

        CallerFacts facts;
        try
        {
            facts = await access.RequireAsync(caller, Roles.Admin, Roles.Commander, Roles.Operator);
        }
        catch (ForbiddenException refused)
        {
            return ReportOutcome.Refused(ReportOutcomeKind.Forbidden, refused.Message);
        }

        var onBehalf = facts.IsAny(Roles.Admin, Roles.Commander);
        var validator = await db.Validators.AsNoTracking()
            .Where(v => v.Key == key && db.Incidents.Any(i => i.Id == incidentId && i.NetworkId == v.NetworkId))
            .Select(v => new { v.Id, v.Key, v.Name, Bound = db.OperatorBindings.Any(b => b.UserId == userId && b.ValidatorId == v.Id) })
            .SingleOrDefaultAsync(cancellationToken);
        if (validator is null)
        {
            return ReportOutcome.Refused(ReportOutcomeKind.NotFound, await db.Incidents.AnyAsync(i => i.Id == incidentId, cancellationToken)
                ? $"Validator '{key}' is not in this incident's validator set."
                : $"No incident {incidentId}.");
        }

        if (!validator.Bound && !onBehalf)
        {
            return ReportOutcome.Refused(ReportOutcomeKind.Forbidden, $"You may report only for validators bound to you; '{key}' is not.");
        }

        var requestHash = RequestHash(incidentId, key, state, version, note);
        if (idempotencyKey is not null && await ReplayAsync(db, userId.Value, idempotencyKey, requestHash, cancellationToken) is { } replayed)
        {
            return replayed;
        }

        var actor = caller.Identity?.Name ?? facts.UserName;
        var by = validator.Bound ? actor : $"{actor} (on behalf of the operator)";
        return await lane.SubmitAsync(
            new ReportCommand(incidentId, validator.Id, validator.Key, validator.Name, state, version, note, userId.Value, by, onBehalf && !validator.Bound, idempotencyKey, requestHash),
            cancellationToken);
    }

    /// <summary>
    /// What an Idempotency-Key is bound to: the fields as a JSON array, so no split of one field's text into the
    /// next (a version "1|x" and note "y" against a version "1" and note "x|y") gives the same bytes.
    /// </summary>
    public static string RequestHash(Guid incidentId, string key, ValidatorState state, string? version, string? note)
    {
        var canonical = JsonSerializer.SerializeToUtf8Bytes(new[] { incidentId.ToString("N"), key, state.ToString(), version, note });
        return Convert.ToHexStringLower(SHA256.HashData(canonical));
    }

    /// <summary>
    /// The first answer to this key, or null if the key is new; a key reused for another report is a conflict.
    /// Records added earlier in the same batch (not saved yet) count too.
    /// </summary>
    internal static async Task<ReportOutcome?> ReplayAsync(PortalDbContext db, Guid userId, string idempotencyKey, string requestHash, CancellationToken cancellationToken)
    {
        var previous = db.IdempotencyRecords.Local.FirstOrDefault(r => r.UserId == userId && r.Key == idempotencyKey)
            ?? await db.IdempotencyRecords.AsNoTracking().SingleOrDefaultAsync(r => r.UserId == userId && r.Key == idempotencyKey, cancellationToken);
        if (previous is null)
        {
            return null;
        }

        return previous.RequestHash == requestHash
            ? ReportOutcome.Replay(JsonSerializer.Deserialize<StatusAnswer>(previous.ResponseBody, JsonSerializerOptions.Web)!)
            : ReportOutcome.KeyConflict();
    }

    /// <summary>
    /// Brings the batch's keys that already have a record into the context (tracked, unchanged), so that
    /// <see cref="Replay"/> answers from memory: read under the incident's lock, like the per-report query was.
    /// </summary>
    private static async Task PreloadKeysAsync(PortalDbContext db, IReadOnlyList<ReportCommand> batch)
    {
        var keyed = batch.Where(c => c.IdempotencyKey is not null).ToList();
        if (keyed.Count == 0)
        {
            return;
        }

        var users = keyed.Select(c => c.UserId).Distinct().ToList();
        var keys = keyed.Select(c => c.IdempotencyKey!).Distinct().ToList();
        await db.IdempotencyRecords.Where(r => users.Contains(r.UserId) && keys.Contains(r.Key)).LoadAsync();
    }

    /// <summary>As <see cref="ReplayAsync"/>, after <see cref="PreloadKeysAsync"/>: earlier records and this batch's own are all in the context.</summary>
    private static ReportOutcome? Replay(PortalDbContext db, Guid userId, string idempotencyKey, string requestHash) =>
        db.IdempotencyRecords.Local.FirstOrDefault(r => r.UserId == userId && r.Key == idempotencyKey) is not { } previous ? null
        : previous.RequestHash == requestHash ? ReportOutcome.Replay(JsonSerializer.Deserialize<StatusAnswer>(previous.ResponseBody, JsonSerializerOptions.Web)!)
        : ReportOutcome.KeyConflict();

    /// <summary>
    /// Applies a batch of reports for one incident under its lock, in one transaction, then runs the
    /// <paramref name="observers"/> on the applied ones in that transaction. A report the domain refuses is that
    /// report's outcome; the rest of the batch goes on.
    /// </summary>
    internal static async Task<IReadOnlyList<ReportOutcome>> ApplyAsync(PortalDbContext db, IncidentWrites writes, IEnumerable<IStatusReportObserver> observers, Guid incidentId, IReadOnlyList<ReportCommand> batch)
    {
        var outcomes = new List<ReportOutcome>(batch.Count);
        try
        {
            await writes.ChangeAsync(incidentId, "portal", async change =>
            {
                // Read under the incident's lock, which publishing takes too: every report in the batch sees the same hotfix.
                var hotfix = IncidentReader.CurrentRelease(await db.Releases.AsNoTracking()
                    .Where(r => r.IncidentId == incidentId && r.Status == ReleaseStatus.Published).ToListAsync())?.Version;

                // Two queries for the whole batch, not two per report: the lock is held meanwhile, and under a
                // burst every report waiting in the lane waits on this batch's round trips.
                await change.LoadValidatorsAsync([.. batch.Select(c => c.ValidatorId).Distinct()]);
                await PreloadKeysAsync(db, batch);
                foreach (var command in batch)
                {
                    try
                    {
                        outcomes.Add(await ApplyOneAsync(db, change, command, hotfix));
                    }
                    catch (DomainException refused)
                    {
                        // Refused before anything of it changed.
                        outcomes.Add(ReportOutcome.From(refused));
                    }
                }

                // What other features add to a report (paging: the validator's open pages answered) joins this transaction.
                List<ReportCommand> applied = [.. batch.Where((_, i) => outcomes[i].Kind == ReportOutcomeKind.Applied)];
                if (applied.Count > 0)
                {
                    foreach (var observer in observers)
                    {
                        await observer.AfterApplyAsync(change, applied);
                    }
                }

                return true;
            });
        }
        catch (NotFoundException missing)
        {
            return [.. batch.Select(_ => ReportOutcome.Refused(ReportOutcomeKind.NotFound, missing.Message))];
        }
        catch (DbUpdateException ex) when (batch.Count == 1 && ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            // The same key racing in from another instance (or another incident) won: a conflict for this one.
            return [ReportOutcome.KeyConflict()];
        }

        return outcomes;
    }

    private static async Task<ReportOutcome> ApplyOneAsync(PortalDbContext db, IncidentChange change, ReportCommand command, string? hotfix)
    {
        if (change.Incident.Validators.All(v => v.ValidatorId != command.ValidatorId))
        {
            return ReportOutcome.Refused(ReportOutcomeKind.NotFound, $"Validator '{command.Key}' is not in this incident's validator set.");
        }

        // Under the lock, and including reports earlier in this batch: a retry racing its original applies once.
        if (command.IdempotencyKey is not null && Replay(db, command.UserId, command.IdempotencyKey, command.RequestHash) is { } replayed)
        {
            return replayed;
        }

        var report = change.Incident.Report(command.ValidatorId, command.State, command.Version, command.Note, command.By, command.OnBehalf, change.Now, hotfix);
        if (report is not null)
        {
            change.ValidatorChanged(command.ValidatorId);
            change.Record(TimelineKinds.ValidatorStatus, IncidentService.Describe(command.ValidatorName, report), command.By);
            Forecast.ValidatorReportLog.Add(change, report, command.By);
            change.Raise(Notifications.NotificationEvents.ValidatorStatus(change, command.Key, command.ValidatorName, report));
        }

        var line = change.Incident.Validators.Single(v => v.ValidatorId == command.ValidatorId);
        var answer = new StatusAnswer(command.Key, ValidatorTransitions.Name(line.State), line.Version, line.UpdatedAt);
        if (command.IdempotencyKey is not null)
        {
            db.IdempotencyRecords.Add(new IdempotencyRecord
            {
                UserId = command.UserId,
                Key = command.IdempotencyKey,
                RequestHash = command.RequestHash,
                StatusCode = StatusCodes.Status200OK,
                ResponseBody = JsonSerializer.Serialize(answer, JsonSerializerOptions.Web),
                CreatedAt = change.Now,
            });
        }

        return ReportOutcome.Applied(answer, changed: report is not null);
    }
}

/// <summary>
/// Status reports' lane: group commit per incident (<see cref="IncidentLane{TItem, TResult}"/>), each batch
/// applied in a scope of its own by <see cref="StatusReports"/>. A lone report still goes straight through.
/// </summary>
public sealed class StatusReportLane
{
    public const int MaxBatch = 200;

    private readonly IncidentLane<ReportCommand, ReportOutcome> _lane;

    public StatusReportLane(IServiceScopeFactory scopes)
    {
        _lane = new IncidentLane<ReportCommand, ReportOutcome>(async (incidentId, batch) =>
        {
            await using var scope = scopes.CreateAsyncScope();
            return await StatusReports.ApplyAsync(
                scope.ServiceProvider.GetRequiredService<PortalDbContext>(), scope.ServiceProvider.GetRequiredService<IncidentWrites>(),
                scope.ServiceProvider.GetServices<IStatusReportObserver>(), incidentId, batch);
        }, MaxBatch);
    }

    public Task<ReportOutcome> SubmitAsync(ReportCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        return _lane.SubmitAsync(command.IncidentId, command, cancellationToken);
    }
}
