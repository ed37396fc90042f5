using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Notifications;

namespace Portal.Web.Features.Notifications;

/// <summary>
/// Delivers the outbox. Every instance runs one; they share the work through the database: a claim takes due rows
/// with <c>FOR UPDATE SKIP LOCKED</c> and stamps a lease (<c>leased_until</c>) before anything is sent, so two
/// instances never send the same row at once, and a row whose instance died is taken again when its lease runs out
/// (at least once). Only the oldest pending row of each destination is ever due, so a destination hears its messages
/// in order, and a later one waits while an earlier one is retried. Up to <see cref="NotificationOptions.Concurrency"/>
/// rows are in flight, each in its own task with its own timeout: a receiver that hangs holds one slot for at most
/// the attempt timeout and never the others. Due times come from the portal's <see cref="TimeProvider"/>; the poll
/// cadence and the attempt timeout are wall-clock, since they measure the network and not the incident.
/// </summary>
public sealed partial class OutboxDispatcher(
    IServiceScopeFactory scopes, TimeProvider clock, NotificationOptions options, ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<long, byte> _inFlight = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private DateTimeOffset _lastReport = DateTimeOffset.MinValue;

    /// <summary>Asks the dispatcher to look for due messages now instead of at its next poll (tests, after a commit).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken: one wake-up covers every message written so far.
        }
    }

    /// <summary>Messages this instance is sending right now.</summary>
    public int InFlight => _inFlight.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Dispatch)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            var capacity = Math.Max(1, options.Concurrency) - _inFlight.Count;
            try
            {
                if (capacity > 0)
                {
                    var rows = await ClaimAsync(capacity, stoppingToken);
                    claimed = rows.Count;
                    foreach (var row in rows)
                    {
                        _inFlight[row.Id] = 0;
                        _ = Task.Run(() => DeliverAsync(row, stoppingToken), CancellationToken.None);
                    }
                }

                await ReportBacklogAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The database blinked: the rows stay in the outbox, the next poll tries again.
                LogClaimFailed(ex);
            }

            if (claimed > 0 && claimed == capacity)
            {
                continue; // more may be due
            }

            try
            {
                await _wake.WaitAsync(TimeSpan.FromMilliseconds(Math.Max(10, options.PollMilliseconds)), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>
    /// Leases up to <paramref name="limit"/> due rows, each the oldest pending row of its destination, skipping rows
    /// another instance is claiming at this moment and rows this instance is still sending.
    /// </summary>
    private async Task<List<OutboxMessage>> ClaimAsync(int limit, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = clock.GetUtcNow();
        var leaseEnd = now + TimeSpan.FromSeconds(Math.Max(options.LeaseSeconds, options.AttemptTimeoutSeconds * 2));
        var busy = _inFlight.Keys.ToArray();
        return await db.OutboxMessages.FromSql($"""
            UPDATE outbox_messages AS o SET leased_until = {leaseEnd}
            WHERE o.id IN (
                SELECT c.id FROM outbox_messages AS c
                WHERE c.status = 'pending' AND c.next_attempt_at <= {now}
                  AND (c.leased_until IS NULL OR c.leased_until <= {now})
                  AND c.id <> ALL ({busy})
                  AND NOT EXISTS (SELECT 1 FROM outbox_messages AS e
                                  WHERE e.destination_key = c.destination_key AND e.status = 'pending' AND e.id < c.id)
                ORDER BY c.id
                LIMIT {limit}
                FOR UPDATE SKIP LOCKED)
            RETURNING o.*
            """).AsNoTracking().ToListAsync(cancellationToken);
    }

    private async Task DeliverAsync(OutboxMessage row, CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var outcome = await AttemptAsync(scope.ServiceProvider, row, stoppingToken);
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            await RecordAsync(db, row, outcome, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Not even the outcome could be written (database gone, shutting down): the lease runs out and the
            // message is sent again, which at-least-once allows.
            LogRecordFailed(ex, row.MessageId);
        }
        finally
        {
            _inFlight.TryRemove(row.Id, out _);
            Wake();
        }
    }

    private async Task<DeliveryOutcome> AttemptAsync(IServiceProvider services, OutboxMessage row, CancellationToken stoppingToken)
    {
        var sender = services.GetServices<INotificationSender>().FirstOrDefault(s => s.Kind == row.Kind);
        if (sender is null)
        {
            return DeliveryOutcome.Retry($"No sender for '{row.Kind}' messages is set up on this instance.");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, options.AttemptTimeoutSeconds)));
        try
        {
            return await sender.SendAsync(OutboxItem.From(row), timeout.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return DeliveryOutcome.Retry($"No answer within {options.AttemptTimeoutSeconds} s.");
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // The exception's message only (never the request, whose URL may hold a token).
            return DeliveryOutcome.Retry(Describe(ex));
        }
    }

    private static string Describe(Exception ex)
    {
        var inner = ex.InnerException is { } cause && cause.Message != ex.Message ? $" ({cause.Message})" : "";
        return $"{ex.GetType().Name}: {ex.Message}{inner}";
    }

    private async Task RecordAsync(PortalDbContext db, OutboxMessage row, DeliveryOutcome outcome, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var attempts = row.Attempts + 1;
        var error = outcome.Error is null ? null : Clip(outcome.Error, OutboxMessage.ErrorMax);
        string status;
        DateTimeOffset next = row.NextAttemptAt;
        if (outcome.IsDelivered)
        {
            status = OutboxStatus.Delivered;
        }
        else if (outcome.IsPermanent || now - row.CreatedAt >= TimeSpan.FromHours(options.RetryHours))
        {
            status = OutboxStatus.Failed;
        }
        else
        {
            status = OutboxStatus.Pending;
            next = now + RetrySchedule.DelayAfter(attempts, Random.Shared.NextDouble());
        }

        await db.OutboxMessages.Where(m => m.Id == row.Id).ExecuteUpdateAsync(set => set
            .SetProperty(m => m.Status, status)
            .SetProperty(m => m.Attempts, attempts)
            .SetProperty(m => m.LastAttemptAt, now)
            .SetProperty(m => m.ResponseCode, outcome.ResponseCode)
            .SetProperty(m => m.LastError, error)
            .SetProperty(m => m.NextAttemptAt, next)
            .SetProperty(m => m.LeasedUntil, (DateTimeOffset?)null)
            .SetProperty(m => m.DeliveredAt, outcome.IsDelivered ? now : null), cancellationToken);

        if (outcome.IsDelivered)
        {
            LogDelivered(row.MessageId, row.Kind, row.EventType, row.DestinationKey, attempts);
        }
        else if (status == OutboxStatus.Failed)
        {
            LogGaveUp(row.MessageId, row.Kind, row.EventType, row.DestinationKey, attempts, outcome.ResponseCode, error);
        }
        else
        {
            LogRetrying(row.MessageId, row.Kind, row.EventType, row.DestinationKey, attempts, outcome.ResponseCode, error, next);
        }
    }

    /// <summary>Once a minute (wall clock), the backlog as a log line: what operations watches (docs/operations.md).</summary>
    private async Task ReportBacklogAsync(CancellationToken cancellationToken)
    {
        var wallNow = TimeProvider.System.GetUtcNow();
        if (wallNow - _lastReport < TimeSpan.FromMinutes(1))
        {
            return;
        }

        _lastReport = wallNow;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var backlog = await OutboxBacklog.ReadAsync(db, clock.GetUtcNow(), cancellationToken);
        if (backlog.Pending > 0 || backlog.FailedLastDay > 0)
        {
            LogBacklog(backlog.Pending, backlog.OldestPendingMinutes, backlog.FailedLastDay);
        }
    }

    private static string Clip(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var cut = max - 1;
        if (char.IsLowSurrogate(text[cut]))
        {
            cut--;
        }

        return text[..cut] + "…";
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Delivered {MessageId} ({Kind}, {EventType}) to {Destination} on attempt {Attempts}")]
    private partial void LogDelivered(string messageId, string kind, string eventType, string destination, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery of {MessageId} ({Kind}, {EventType}) to {Destination} failed on attempt {Attempts} ({ResponseCode}: {Error}); next attempt at {NextAttemptAt}")]
    private partial void LogRetrying(string messageId, string kind, string eventType, string destination, int attempts, int? responseCode, string? error, DateTimeOffset nextAttemptAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gave up on {MessageId} ({Kind}, {EventType}) to {Destination} after {Attempts} attempts ({ResponseCode}: {Error}); it is listed as a failed delivery")]
    private partial void LogGaveUp(string messageId, string kind, string eventType, string destination, int attempts, int? responseCode, string? error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox: {Pending} pending (oldest {OldestMinutes} min), {Failed} failed in the last 24 h")]
    private partial void LogBacklog(int pending, int oldestMinutes, int failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not claim outbox messages; trying again at the next poll")]
    private partial void LogClaimFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the outcome of {MessageId}; it will be sent again when its lease runs out")]
    private partial void LogRecordFailed(Exception ex, string messageId);
}
