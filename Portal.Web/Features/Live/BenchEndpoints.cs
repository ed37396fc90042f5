using Microsoft.AspNetCore.SignalR;
using Portal.Web.Features.Accounts;
using Portal.Web.Hubs;

namespace Portal.Web.Features.Live;

public sealed record BareBroadcastRequest(Guid IncidentId, long Sequence, int[] MessageSizes);

public sealed record BareMessage(long Sequence, string Padding);

/// <summary>
/// For <c>./portal bench</c> only (mapped when <c>Portal:Bench:Enabled</c> is true, admin token required): the
/// same hub sends the incident's group messages of the given sizes with no database read and no rendering, as
/// the baseline the real fan-out is compared with.
/// </summary>
public static class BenchEndpoints
{
    public static void MapBenchEndpoints(this IEndpointRouteBuilder api) =>
        api.MapPost("/bench/broadcast", async (BareBroadcastRequest request, IHubContext<IncidentHub> hub, CancellationToken cancellationToken) =>
        {
            var group = hub.Clients.Groups(IncidentHub.Group(request.IncidentId), IncidentHub.PublicGroup(request.IncidentId));
            foreach (var size in request.MessageSizes)
            {
                await group.SendAsync("bench", new BareMessage(request.Sequence, new string('x', Math.Max(0, size))), cancellationToken);
            }

            return Results.NoContent();
        }).RequireAuthorization(Policies.Admin).ExcludeFromDescription();
}
