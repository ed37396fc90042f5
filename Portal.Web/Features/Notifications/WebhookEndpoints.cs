using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Api;

namespace Portal.Web.Features.Notifications;

public sealed record WebhookRequest(string? Url, string?[]? Events, Guid? NetworkId, string? Format);

public sealed record WebhookResponse(Guid Id, string Url, IReadOnlyList<string> Events, string Format, Guid? NetworkId, string? Secret, DateTimeOffset CreatedAt)
{
    public static WebhookResponse From(WebhookView v, string? secret = null) => new(v.Id, v.Url, v.Events, v.Format, v.NetworkId, secret, v.CreatedAt);
}

public sealed record DeliveryResponse(string Id, string Event, string Status, int Attempts, DateTimeOffset? LastAttemptAt, int? ResponseCode)
{
    public static DeliveryResponse From(DeliveryView d) => new(d.Id, d.Event, d.Status, d.Attempts, d.LastAttemptAt, d.ResponseCode);
}

public static class WebhookEndpoints
{
    public static void MapWebhookEndpoints(this IEndpointRouteBuilder api)
    {
        var webhooks = api.MapGroup("/webhooks").RequireAuthorization(Policies.Commander);
        webhooks.MapPost("", CreateAsync).WithName("CreateWebhook")
            .WithSummary("Subscribe a URL to events (all networks, or one); the signing secret is in this answer only.");
        webhooks.MapGet("", ListAsync).WithName("ListWebhooks");
        webhooks.MapGet("/{id:guid}/deliveries", DeliveriesAsync).WithName("ListWebhookDeliveries")
            .WithSummary("The subscription's deliveries, newest first: pending, delivered or failed.");
        webhooks.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteWebhook");
    }

    private static async Task<Results<Created<WebhookResponse>, ValidationProblem>> CreateAsync(WebhookRequest request, WebhookService service, CancellationToken cancellationToken)
    {
        try
        {
            var created = await service.CreateAsync(new WebhookInput(request.Url, request.Events, request.NetworkId, request.Format), cancellationToken);
            return TypedResults.Created($"/api/v1/webhooks/{created.Webhook.Id}", WebhookResponse.From(created.Webhook, created.Secret));
        }
        catch (WebhookInputException ex)
        {
            return ApiProblems.Invalid(ex.Errors.ToDictionary());
        }
    }

    private static async Task<Ok<WebhookResponse[]>> ListAsync(WebhookService service, CancellationToken cancellationToken) =>
        TypedResults.Ok((await service.ListAsync(cancellationToken)).Select(v => WebhookResponse.From(v)).ToArray());

    private static async Task<Ok<DeliveryResponse[]>> DeliveriesAsync(Guid id, WebhookService service, CancellationToken cancellationToken) =>
        TypedResults.Ok((await service.DeliveriesAsync(id, cancellationToken)).Select(DeliveryResponse.From).ToArray());

    private static async Task<NoContent> DeleteAsync(Guid id, WebhookService service, CancellationToken cancellationToken)
    {
        await service.DeleteAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }
}
