using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Api;

namespace Portal.Web.Features.Releases;

public sealed record ReleaseRequest(string? Version, [MultiLine] string? Notes, ArtifactInput[]? Artifacts);

public sealed record WithdrawRequest(string? Reason);

public sealed record ArtifactResponse(string Platform, string Url, string Sha256, long SizeBytes);

public sealed record ReleaseResponse(
    Guid Id, Guid IncidentId, string Version, string Notes, ReleaseStatus Status, IReadOnlyList<ArtifactResponse> Artifacts,
    DateTimeOffset CreatedAt, DateTimeOffset? PublishedAt, DateTimeOffset? WithdrawnAt, string? WithdrawnReason)
{
    public static ReleaseResponse From(Release r) => new(
        r.Id, r.IncidentId, r.Version, r.Notes, r.Status,
        [.. r.Artifacts.Select(a => new ArtifactResponse(a.Platform, a.Url, a.Sha256.Hex, a.SizeBytes))],
        r.CreatedAt, r.PublishedAt, r.WithdrawnAt, r.WithdrawnReason);
}

public static class ReleaseEndpoints
{
    public static void MapReleaseEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/incidents/{id:guid}/releases", DraftAsync).RequireAuthorization(Policies.CoreDev).WithName("DraftRelease");
        api.MapPut("/releases/{id:guid}", EditAsync).RequireAuthorization(Policies.CoreDev).WithName("EditRelease");
        api.MapPost("/releases/{id:guid}/publish", PublishAsync).RequireAuthorization(Policies.CoreDev).WithName("PublishRelease");
        api.MapPost("/releases/{id:guid}/withdraw", WithdrawAsync).RequireAuthorization(Policies.CoreDev).WithName("WithdrawRelease");
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

    private static async Task<Ok<ReleaseResponse>> PublishAsync(Guid id, ClaimsPrincipal caller, ReleaseService releases, CancellationToken cancellationToken) =>
        TypedResults.Ok(ReleaseResponse.From(await releases.PublishAsync(id, caller.Identity!.Name!, cancellationToken)));

    private static async Task<Results<Ok<ReleaseResponse>, ValidationProblem>> WithdrawAsync(
        Guid id, WithdrawRequest request, ClaimsPrincipal caller, ReleaseService releases, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            return ApiProblems.Invalid("reason", "Say why the release is withdrawn; validators will read it.");
        }

        return TypedResults.Ok(ReleaseResponse.From(await releases.WithdrawAsync(id, request.Reason, caller.Identity!.Name!, cancellationToken)));
    }
}
