using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portal.Data;
using Portal.Data.Notifications;

namespace Portal.Web.Features.Notifications;

/// <summary>The figures to watch: messages waiting, how long the oldest has waited, and dead letters of the last day.</summary>
public sealed record OutboxBacklog(int Pending, int OldestPendingMinutes, int FailedLastDay)
{
    public static async Task<OutboxBacklog> ReadAsync(PortalDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var pending = await db.OutboxMessages.CountAsync(m => m.Status == OutboxStatus.Pending, cancellationToken);
        var oldest = pending == 0 ? null : await db.OutboxMessages.Where(m => m.Status == OutboxStatus.Pending).MinAsync(m => (DateTimeOffset?)m.CreatedAt, cancellationToken);
        var dayAgo = now.AddDays(-1);
        var failed = await db.OutboxMessages.CountAsync(m => m.Status == OutboxStatus.Failed && m.LastAttemptAt >= dayAgo, cancellationToken);
        return new OutboxBacklog(pending, oldest is null ? 0 : (int)Math.Max(0, (now - oldest.Value).TotalMinutes), failed);
    }
}

/// <summary>
/// The outbox in <c>/readyz</c>: always ready (a slow receiver is no reason to take an instance out of rotation), but
/// "Degraded" with the figures once a message has waited 15 minutes or one failed in the last day.
/// </summary>
public sealed class OutboxHealthCheck(IServiceScopeFactory scopes, TimeProvider clock) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var backlog = await OutboxBacklog.ReadAsync(db, clock.GetUtcNow(), cancellationToken);
        var text = $"{backlog.Pending} pending (oldest {backlog.OldestPendingMinutes} min), {backlog.FailedLastDay} failed in the last 24 h";
        var data = new Dictionary<string, object>
        {
            ["pending"] = backlog.Pending,
            ["oldestPendingMinutes"] = backlog.OldestPendingMinutes,
            ["failedLastDay"] = backlog.FailedLastDay,
        };
        return backlog.OldestPendingMinutes >= 15 || backlog.FailedLastDay > 0
            ? HealthCheckResult.Degraded(text, data: data)
            : HealthCheckResult.Healthy(text, data);
    }
}
