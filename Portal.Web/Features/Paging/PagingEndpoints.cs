using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Api;

namespace Portal.Web.Features.Paging;

public sealed record PageRequest([MultiLine] string? Message);

public sealed record PageResponse(Guid PageId, IReadOnlyList<string> Channels);

public sealed record PageAllNeededResponse(IReadOnlyList<NeededPage> Pages);

public static class PagingEndpoints
{
    public static void MapPagingEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/incidents/{id:guid}/validators/{key}/page", PageAsync).RequireAuthorization(Policies.Commander).WithName("PageValidator")
            .WithSummary("Pages the operators of one validator on every channel they set up; their next report answers the page.");
        api.MapPost("/incidents/{id:guid}/page-needed", PageAllNeededAsync).RequireAuthorization(Policies.Commander).WithName("PageAllNeeded")
            .WithSummary("Pages every validator of the smallest set that would close the quorum gap.");
        api.MapNotificationSettingsApi();
    }

    private static async Task<Results<Accepted<PageResponse>, ProblemHttpResult>> PageAsync(
        Guid id, string key, PageRequest? request, PagingService paging, HttpContext http, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await paging.PageAsync(id, key, request?.Message, cancellationToken);
            return TypedResults.Accepted((string?)null, new PageResponse(answer.PageId, answer.Channels));
        }
        catch (PagingRateLimitedException limited)
        {
            return TooMany(http, limited);
        }
    }

    private static async Task<Results<Accepted<PageAllNeededResponse>, ProblemHttpResult>> PageAllNeededAsync(
        Guid id, PageRequest? request, PagingService paging, HttpContext http, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Accepted((string?)null, new PageAllNeededResponse(await paging.PageAllNeededAsync(id, request?.Message, cancellationToken)));
        }
        catch (PagingRateLimitedException limited)
        {
            return TooMany(http, limited);
        }
    }

    private static ProblemHttpResult TooMany(HttpContext http, PagingRateLimitedException limited)
    {
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(limited.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(limited.Message, statusCode: StatusCodes.Status429TooManyRequests, title: "Too many pages");
    }
}
