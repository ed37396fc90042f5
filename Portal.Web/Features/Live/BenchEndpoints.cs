using System.Security.Claims;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Users;
using Portal.Web.Hubs;

namespace Portal.Web.Features.Live;

public sealed record BareBroadcastRequest(Guid IncidentId, long Sequence, int[] MessageSizes);

public sealed record BareMessage(long Sequence, string Padding);

public sealed record BareInsertRequest(string Key);

/// <summary>The process's memory: managed heap after a full, compacting collection, and resident set.</summary>
public sealed record BenchMemory(long ManagedHeapBytes, long ResidentBytes);

/// <summary>
/// For <c>./portal bench</c> only (mapped when <c>Portal:Bench:Enabled</c> is true, admin token required): the
/// same hub sends the incident's group messages of the given sizes with no database read and no rendering, as
/// the baseline the real fan-out is compared with.
/// </summary>
public static class BenchEndpoints
{
    public static void MapBenchEndpoints(this IEndpointRouteBuilder api)
    {
        // The burst's baseline: the same authentication, then one durable INSERT (its own committed transaction,
        // like a report's) and nothing else, at the rate the reports are sent.
        api.MapPost("/bench/insert", async (BareInsertRequest request, ClaimsPrincipal caller, PortalDbContext db, TimeProvider clock, CancellationToken cancellationToken) =>
        {
            var userId = UserEndpoints.CallerId(caller)!.Value;
            var now = clock.GetUtcNow();
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO idempotency_records (user_id, key, request_hash, status_code, response_body, created_at) VALUES ({userId}, {"bench-" + request.Key}, {new string('0', 64)}, 200, '{{}}', {now})",
                cancellationToken);
            return Results.NoContent();
        }).RequireAuthorization(Policies.Admin).ExcludeFromDescription();

        api.MapGet("/bench/memory", () =>
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            return Results.Ok(new BenchMemory(GC.GetTotalMemory(forceFullCollection: false), process.WorkingSet64));
        }).RequireAuthorization(Policies.Admin).ExcludeFromDescription();

        MapBareBroadcast(api);
    }

    private static void MapBareBroadcast(IEndpointRouteBuilder api) =>
        api.MapPost("/bench/broadcast", async (BareBroadcastRequest request, IHubContext<IncidentHub> hub, CancellationToken cancellationToken) =>
        {
            var group = hub.Clients.Groups(
                IncidentHub.Group(request.IncidentId), IncidentHub.PublicGroup(request.IncidentId),
                IncidentHub.MergedGroup(request.IncidentId), IncidentHub.MergedPublicGroup(request.IncidentId));
            // Only the last message carries the sequence, as only the portal's last message (the quorum document)
            // carries the revision a watcher waits for: both paths are timed to the last message of a change.
            for (var i = 0; i < request.MessageSizes.Length; i++)
            {
                var last = i == request.MessageSizes.Length - 1;
                var size = last ? request.MessageSizes[i] : request.MessageSizes[i] + request.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture).Length - 1; // "0" is shorter
                await group.SendAsync("bench", new BareMessage(last ? request.Sequence : 0, new string('x', Math.Max(0, size))), cancellationToken);
            }

            return Results.NoContent();
        }).RequireAuthorization(Policies.Admin).ExcludeFromDescription();
}
