using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Portal.Data.Blobs;

/// <summary>Readiness includes the blob store: snapshots cannot be uploaded, hashed or served without it.</summary>
public sealed class BlobStoreHealthCheck(IBlobStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await store.CheckAsync(timeout.Token);
            return HealthCheckResult.Healthy(store.Kind);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The {store.Kind} blob store cannot be reached.", ex);
        }
    }
}
