using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;

namespace Portal.Web.Features.Incidents;

/// <summary>A report that passed every check that does not need the incident's lock.</summary>
public sealed record ReportCommand(
    Guid IncidentId, Guid ValidatorId, string Key, string ValidatorName, ValidatorState State, string? Version, string? Note,
    Guid UserId, string By, bool OnBehalf, string? IdempotencyKey, string RequestHash);

/// <summary>
/// Group commit for status reports. Reports for one incident must apply one at a time (revision, hash chain,
/// quorum), so instead of each request taking the incident's lock in turn, requests queue in the incident's
/// lane and whoever finds the lane idle drains it: up to <see cref="MaxBatch"/> reports in one transaction,
/// with one lock, one quorum sum, one notification and one commit. Each caller gets its own answer or error,
/// and only after the commit. A lone report still goes straight through.
/// </summary>
public sealed class ReportBatcher(IServiceScopeFactory scopes)
{
    public const int MaxBatch = 200;

    private readonly Dictionary<Guid, Lane> _lanes = [];

    public Task<ReportResult> SubmitAsync(ReportCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var pending = new Pending(command);
        Lane lane;
        bool lead;
        lock (_lanes)
        {
            if (!_lanes.TryGetValue(command.IncidentId, out lane!))
            {
                _lanes[command.IncidentId] = lane = new Lane();
            }

            lane.Queue.Add(pending);
            lead = !lane.Draining;
            lane.Draining = true;
        }

        if (lead)
        {
            _ = Task.Run(() => DrainAsync(command.IncidentId, lane), CancellationToken.None);
        }

        // The caller may stop waiting; the report itself is applied or refused regardless (a retry with the
        // same Idempotency-Key then returns its answer).
        return pending.Completion.Task.WaitAsync(cancellationToken);
    }

    private async Task DrainAsync(Guid incidentId, Lane lane)
    {
        while (true)
        {
            List<Pending> batch;
            lock (_lanes)
            {
                if (lane.Queue.Count == 0)
                {
                    lane.Draining = false;
                    _lanes.Remove(incidentId);
                    return;
                }

                batch = lane.Queue.GetRange(0, Math.Min(MaxBatch, lane.Queue.Count));
                lane.Queue.RemoveRange(0, batch.Count);
            }

            if (batch.Count == 1)
            {
                await ApplyOrFailAsync(incidentId, batch[0]);
                continue;
            }

            try
            {
                await ApplyAsync(incidentId, batch);
            }
            catch (DbUpdateException)
            {
                // One report's row conflicted (an Idempotency-Key racing on another incident): apply them one by
                // one so that only that report fails.
                foreach (var single in batch)
                {
                    await ApplyOrFailAsync(incidentId, single);
                }
            }
            catch (Exception ex)
            {
                foreach (var item in batch)
                {
                    item.Completion.TrySetException(ex);
                }
            }
        }
    }

    private async Task ApplyOrFailAsync(Guid incidentId, Pending single)
    {
        try
        {
            await ApplyAsync(incidentId, [single]);
        }
        catch (DbUpdateException ex) when (ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            single.Completion.TrySetException(new IdempotencyConflictException("This Idempotency-Key was already used for a different report; use a new key for a new report."));
        }
        catch (Exception ex)
        {
            single.Completion.TrySetException(ex);
        }
    }

    private async Task ApplyAsync(Guid incidentId, List<Pending> batch)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var writes = scope.ServiceProvider.GetRequiredService<IncidentWrites>();
        var outcomes = new List<(Pending Item, ReportResult? Result, Exception? Error)>(batch.Count);
        await writes.ChangeAsync(incidentId, "portal", async change =>
        {
            // Read under the incident's lock, which publishing takes too: every report in the batch sees the same hotfix.
            var hotfix = IncidentReader.CurrentRelease(await db.Releases.AsNoTracking()
                .Where(r => r.IncidentId == incidentId && r.Status == ReleaseStatus.Published).ToListAsync())?.Version;
            foreach (var item in batch)
            {
                try
                {
                    outcomes.Add((item, await ApplyOneAsync(db, change, item.Command, hotfix), null));
                }
                catch (Exception ex) when (ex is DomainException or NotFoundException or IdempotencyConflictException)
                {
                    // Refused before anything of it changed: the rest of the batch goes on.
                    outcomes.Add((item, null, ex));
                }
            }

            // A report answers the validator's open pages, in the same transaction.
            await scope.ServiceProvider.GetRequiredService<Paging.PagingHooks>().AnswerAsync(
                change, [.. outcomes.Where(o => o.Result is { Replayed: false }).Select(o => o.Item.Command.ValidatorId).Distinct()]);
            return true;
        });

        foreach (var (item, result, error) in outcomes)
        {
            if (error is null)
            {
                item.Completion.TrySetResult(result!);
            }
            else
            {
                item.Completion.TrySetException(error);
            }
        }
    }

    private static async Task<ReportResult> ApplyOneAsync(PortalDbContext db, IncidentChange change, ReportCommand command, string? hotfix)
    {
        await change.LoadValidatorAsync(command.ValidatorId);
        if (change.Incident.Validators.All(v => v.ValidatorId != command.ValidatorId))
        {
            throw new NotFoundException($"Validator '{command.Key}' is not in this incident's validator set.");
        }

        // Under the lock, and including reports earlier in this batch: a retry racing its original applies once.
        if (command.IdempotencyKey is not null && await IncidentService.ReplayAsync(db, command.UserId, command.IdempotencyKey, command.RequestHash, default) is { } replayed)
        {
            return replayed;
        }

        var report = change.Incident.Report(command.ValidatorId, command.State, command.Version, command.Note, command.By, command.OnBehalf, change.Now, hotfix);
        if (report is not null)
        {
            change.ValidatorChanged(command.ValidatorId);
            change.Record(TimelineKinds.ValidatorStatus, IncidentService.Describe(command.ValidatorName, report), command.By);
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

        return new ReportResult(answer, Replayed: false, Changed: report is not null);
    }

    private sealed class Lane
    {
        public List<Pending> Queue { get; } = [];
        public bool Draining { get; set; }
    }

    private sealed class Pending(ReportCommand command)
    {
        public ReportCommand Command { get; } = command;
        public TaskCompletionSource<ReportResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
