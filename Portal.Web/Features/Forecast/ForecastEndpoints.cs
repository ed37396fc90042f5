using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Api;

namespace Portal.Web.Features.Forecast;

public sealed record WakingWindowRequest(string? WakeFrom, string? WakeUntil);

public static class ForecastEndpoints
{
    public static readonly string[] PostmortemFormats = ["md", "csv", "json"];

    public static IServiceCollection AddForecast(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(configuration.GetSection(ForecastSettings.Section).Get<ForecastSettings>() ?? new ForecastSettings());
        services.AddSingleton<Demo.StoryTime>();
        services.AddSingleton<ForecastCache>();
        services.AddScoped<ForecastService>();
        services.AddScoped<PostmortemService>();
        return services;
    }

    public static void MapForecastEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/incidents/{id:guid}/forecast", ForecastAsync).RequireAuthorization(Policies.SignedIn).WithName("GetForecast");
        api.MapGet("/incidents/{id:guid}/postmortem", PostmortemAsync).RequireAuthorization(Policies.SignedIn).WithName("GetPostmortem")
            .Produces<PostmortemDocument>(StatusCodes.Status200OK, "application/json")
            .Produces<string>(StatusCodes.Status200OK, "text/markdown", "text/csv");
        api.MapPut("/incidents/{id:guid}/validators/{key}/waking-window", WakingWindowAsync).RequireAuthorization(Policies.Commander).WithName("PutWakingWindow");
    }

    /// <summary>
    /// The console's postmortem downloads: the same documents as the API's, for the browser's sign-in cookie (the API
    /// takes bearer tokens only). A read with no effect, so a plain link serves; signed out, it leads to the sign-in.
    /// </summary>
    public static void MapPostmortemDownloads(this IEndpointRouteBuilder app) =>
        app.MapGet("/incidents/{id:guid}/postmortem", DownloadAsync).RequireAuthorization(Policies.SignedIn).ExcludeFromDescription();

    /// <summary>Outside /api the exception handler draws pages, so an unknown incident is answered here as the API would.</summary>
    private static async Task<IResult> DownloadAsync(Guid id, string? format, PostmortemService postmortems, CancellationToken cancellationToken)
    {
        try
        {
            return await PostmortemAsync(id, format, postmortems, cancellationToken);
        }
        catch (Incidents.NotFoundException missing)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: missing.Message);
        }
    }

    private static async Task<Ok<ForecastDocument>> ForecastAsync(Guid id, ForecastService forecasts, CancellationToken cancellationToken) =>
        TypedResults.Ok(ForecastDocument.From(await forecasts.ForecastAsync(id, cancellationToken)));

    /// <summary>JSON by default; <c>format=md</c> a Markdown draft, <c>format=csv</c> one row per validator transition.</summary>
    private static async Task<IResult> PostmortemAsync(Guid id, string? format, PostmortemService postmortems, CancellationToken cancellationToken)
    {
        var chosen = format ?? "json";
        if (!PostmortemFormats.Contains(chosen, StringComparer.Ordinal))
        {
            return ApiProblems.Invalid("format", "The format must be md, csv or json (the default).");
        }

        var document = await postmortems.BuildAsync(id, cancellationToken);
        var name = $"postmortem-{id:N}";
        return chosen switch
        {
            "md" => TypedResults.File(System.Text.Encoding.UTF8.GetBytes(PostmortemService.Markdown(document)), "text/markdown; charset=utf-8", $"{name}.md"),
            "csv" => TypedResults.File(System.Text.Encoding.UTF8.GetBytes(PostmortemService.Csv(document)), "text/csv; charset=utf-8", $"{name}.csv"),
            _ => TypedResults.Ok(document),
        };
    }

    private static async Task<Results<Ok<WakingWindowAnswer>, ValidationProblem>> WakingWindowAsync(
        Guid id, string key, WakingWindowRequest request, ClaimsPrincipal caller, ForecastService forecasts, CancellationToken cancellationToken)
    {
        var (window, errors) = WakingWindowInput.Validate(request.WakeFrom, request.WakeUntil, required: true);
        if (window is null)
        {
            return ApiProblems.Invalid(errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));
        }

        return TypedResults.Ok(await forecasts.ChangeWakingWindowAsync(id, key, window.Value, caller.Identity!.Name!, cancellationToken));
    }
}
