using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Api;

namespace Portal.Web.Features.Releases;

public sealed record ReleaseRequest(string? Version, [MultiLine] string? Notes, ArtifactInput[]? Artifacts);

public sealed record WithdrawRequest(string? Reason);

public sealed record ArtifactResponse(string Platform, string Url, string Sha256, long SizeBytes);

public sealed record ReleaseResponse(
    Guid Id, Guid IncidentId, string Version, string Notes, ReleaseStatus Status, IReadOnlyList<ArtifactResponse> Artifacts,
    DateTimeOffset CreatedAt, DateTimeOffset? PublishedAt, DateTimeOffset? WithdrawnAt, string? WithdrawnReason, string ContentTag)
{
    public static ReleaseResponse From(Release r) => new(
        r.Id, r.IncidentId, r.Version, r.Notes, r.Status,
        [.. r.Artifacts.Select(a => new ArtifactResponse(a.Platform, a.Url, a.Sha256.Hex, a.SizeBytes))],
        r.CreatedAt, r.PublishedAt, r.WithdrawnAt, r.WithdrawnReason, r.ContentTag);
}

public static class ReleaseEndpoints
{
    public static void MapReleaseEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/incidents/{id:guid}/releases", DraftAsync).RequireAuthorization(Policies.CoreDev).WithName("DraftRelease");
        api.MapGet("/releases/{id:guid}", GetAsync).RequireAuthorization(Policies.SignedIn).WithName("GetRelease");
        api.MapPut("/releases/{id:guid}", EditAsync).RequireAuthorization(Policies.CoreDev).WithName("EditRelease");
        api.MapPost("/releases/{id:guid}/publish", PublishAsync).RequireAuthorization(Policies.CoreDev).WithName("PublishRelease");
        api.MapPost("/releases/{id:guid}/withdraw", WithdrawAsync).RequireAuthorization(Policies.CoreDev).WithName("WithdrawRelease");
        api.MapDelete("/releases/{id:guid}", DeleteAsync).RequireAuthorization(Policies.CoreDev).WithName("DeleteRelease")
            .WithSummary("Delete a draft release (409 once published or withdrawn)");
    }

    private static (IReadOnlyList<Artifact>, Dictionary<string, string[]>) Validate(ReleaseRequest request)
    {
        var (artifacts, errors) = ReleaseService.ValidateArtifacts(request.Artifacts);
        if (string.IsNullOrWhiteSpace(request.Version))
        {
            errors["version"] = ["A version is required, like v0.1.8-beta-hotfix."];
        }

        return (artifacts, errors);
    }

    private static async Task<Results<Created<ReleaseResponse>, ValidationProblem>> DraftAsync(
        Guid id, ReleaseRequest request, ClaimsPrincipal caller, ReleaseService releases, CancellationToken cancellationToken)
    {
        var (artifacts, errors) = Validate(request);
        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        var release = await releases.DraftAsync(id, request.Version!, request.Notes ?? "", artifacts, caller.Identity!.Name!, cancellationToken);
        return TypedResults.Created($"/api/v1/releases/{release.Id}", ReleaseResponse.From(release));
    }

    private static async Task<Results<Ok<ReleaseResponse>, ValidationProblem>> EditAsync(
        Guid id, ReleaseRequest request, ClaimsPrincipal caller, ReleaseService releases, CancellationToken cancellationToken)
    {
        var (artifacts, errors) = Validate(request);
        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        return TypedResults.Ok(ReleaseResponse.From(await releases.EditAsync(id, request.Version!, request.Notes ?? "", artifacts, caller.Identity!.Name!, cancellationToken)));
    }

    /// <summary>One release; its <c>ETag</c> is the content tag a publisher may send back as <c>If-Match</c>.</summary>
    private static async Task<Results<Ok<ReleaseResponse>, ProblemHttpResult>> GetAsync(Guid id, ReleaseService releases, HttpContext http, CancellationToken cancellationToken)
    {
        if (await releases.FindAsync(id, cancellationToken) is not { } release)
        {
            return ApiProblems.NotFound($"No release {id}.");
        }

        http.Response.Headers.ETag = EntityTag(release);
        return TypedResults.Ok(ReleaseResponse.From(release));
    }

    /// <summary>
    /// Publishes. Without a body or header it publishes what is stored, as before; with <c>If-Match</c> (the
    /// <c>ETag</c> of <c>GET /releases/{id}</c>) it publishes only if the release is still what the caller saw.
    /// </summary>
    private static async Task<Results<Ok<ReleaseResponse>, ValidationProblem>> PublishAsync(
        Guid id, ClaimsPrincipal caller, ReleaseService releases, HttpContext http, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken cancellationToken)
    {
        string? seen = null;
        if (ifMatch is not null && !TryParseIfMatch(ifMatch, out seen))
        {
            return ApiProblems.Invalid("If-Match", "If-Match must be one entity tag, as the ETag of GET /api/v1/releases/{id} gives it, or *.");
        }

        var release = await releases.PublishAsync(id, caller.Identity!.Name!, seen, cancellationToken);
        http.Response.Headers.ETag = EntityTag(release);
        return TypedResults.Ok(ReleaseResponse.From(release));
    }

    private static string EntityTag(Release release) => $"\"{release.ContentTag}\"";

    /// <summary>One strong or weak entity tag (<c>*</c> matches anything: no check).</summary>
    internal static bool TryParseIfMatch(string header, out string? tag)
    {
        tag = null;
        var value = header.Trim();
        if (value == "*")
        {
            return true;
        }

        if (value.StartsWith("W/", StringComparison.Ordinal))
        {
            value = value[2..];
        }

        if (value.Length < 3 || value[0] != '"' || value[^1] != '"' || value[1..^1].Contains('"', StringComparison.Ordinal))
        {
            return false;
        }

        tag = value[1..^1];
        return true;
    }

    private static async Task<Results<Ok<ReleaseResponse>, ValidationProblem>> WithdrawAsync(
        Guid id, WithdrawRequest request, ClaimsPrincipal caller, ReleaseService releases, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            return ApiProblems.Invalid("reason", "Say why the release is withdrawn; validators will read it.");
        }

        return TypedResults.Ok(ReleaseResponse.From(await releases.WithdrawAsync(id, request.Reason, caller.Identity!.Name!, cancellationToken)));
    }

    private static async Task<NoContent> DeleteAsync(Guid id, ClaimsPrincipal caller, ReleaseService releases, CancellationToken cancellationToken)
    {
        await releases.DeleteDraftAsync(id, caller.Identity!.Name!, cancellationToken);
        return TypedResults.NoContent();
    }
}
