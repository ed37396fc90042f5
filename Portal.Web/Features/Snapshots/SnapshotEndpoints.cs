using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Data.Blobs;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Api;

namespace Portal.Web.Features.Snapshots;

public sealed record DeclareSnapshotRequest(long? Height, string? BlockHash, string? Sha256, long? SizeBytes, string? FileName, string? Notes, string? BlobKey);

public sealed record SnapshotResponse(
    Guid Id, Guid IncidentId, long Height, string BlockHash, string Sha256, long SizeBytes, string FileName, string? Notes, SnapshotStatus Status,
    long HashedBytes, string? ComputedSha256, long? ComputedSize, string UploadedBy, string? ApprovedBy, DateTimeOffset CreatedAt,
    DateTimeOffset? PublishedAt, DateTimeOffset? RevokedAt, string? RevokedReason, long PartSize, int PartCount)
{
    public static SnapshotResponse From(Snapshot s) => new(
        s.Id, s.IncidentId, s.Height, s.BlockHash, s.DeclaredSha256.Hex, s.DeclaredSize, s.FileName, s.Notes, s.Status, s.HashedBytes,
        s.ComputedSha256, s.ComputedSize, s.UploadedBy, s.ApprovedBy, s.CreatedAt, s.PublishedAt, s.RevokedAt, s.RevokedReason,
        SnapshotService.PartSizeFor(s.DeclaredSize), SnapshotService.PartCountFor(s.DeclaredSize));
}

public sealed record PartsRequest(int[]? Parts);

public sealed record RevokeSnapshotRequest(string? Reason);

public static class SnapshotEndpoints
{
    public static void MapSnapshotApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/incidents/{id:guid}/snapshots", DeclareAsync).RequireAuthorization(Policies.CoreDev).WithName("DeclareSnapshot");
        api.MapGet("/snapshots/{id:guid}", async (Guid id, SnapshotService snapshots, CancellationToken ct) =>
            TypedResults.Ok(SnapshotResponse.From(await snapshots.FindAsync(id, ct)))).RequireAuthorization(Policies.SignedIn).WithName("GetSnapshot");
        api.MapGet("/snapshots/{id:guid}/upload", async (Guid id, SnapshotService snapshots, CancellationToken ct) =>
            TypedResults.Ok(await snapshots.PlanAsync(id, ct))).RequireAuthorization(Policies.CoreDev).WithName("GetUploadPlan");
        api.MapPost("/snapshots/{id:guid}/upload/parts", PartsAsync).RequireAuthorization(Policies.CoreDev).WithName("GetPartUrls");
        api.MapPost("/snapshots/{id:guid}/upload/complete", async (Guid id, ClaimsPrincipal caller, SnapshotService snapshots, CancellationToken ct) =>
            TypedResults.Ok(SnapshotResponse.From(await snapshots.CompleteAsync(id, caller, ct)))).RequireAuthorization(Policies.CoreDev).WithName("CompleteUpload");
        api.MapPost("/snapshots/{id:guid}/approve", async (Guid id, ClaimsPrincipal caller, SnapshotService snapshots, CancellationToken ct) =>
            TypedResults.Ok(SnapshotResponse.From(await snapshots.ApproveAsync(id, caller, ct)))).RequireAuthorization(Policies.CoreDev).WithName("ApproveSnapshot");
        api.MapPost("/snapshots/{id:guid}/publish", async (Guid id, ClaimsPrincipal caller, SnapshotService snapshots, CancellationToken ct) =>
            TypedResults.Ok(SnapshotResponse.From(await snapshots.PublishAsync(id, caller, ct)))).RequireAuthorization(Policies.CoreDev).WithName("PublishSnapshot");
        api.MapPost("/snapshots/{id:guid}/revoke", RevokeAsync).RequireAuthorization(Policies.CoreDev).WithName("RevokeSnapshot");
    }

    /// <summary>
    /// The uploader on the snapshot page uses the same handlers as the API, signed in with the cookie and
    /// carrying the antiforgery token (the API proper accepts bearer tokens only).
    /// </summary>
    public static void MapSnapshotBrowserEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var browser = endpoints.MapGroup("/snapshots/browser").RequireAuthorization(Policies.CoreDev)
            .AddEndpointFilter(AccountEndpoints.RequireAntiforgeryAsync).AddEndpointFilter<TextInputFilter>().ExcludeFromDescription();
        browser.MapPost("/incidents/{id:guid}", DeclareAsync);
        browser.MapGet("/{id:guid}/upload", async (Guid id, SnapshotService snapshots, CancellationToken ct) => TypedResults.Ok(await snapshots.PlanAsync(id, ct)));
        browser.MapPost("/{id:guid}/upload/parts", PartsAsync);
        browser.MapPost("/{id:guid}/upload/complete", async (Guid id, ClaimsPrincipal caller, SnapshotService snapshots, CancellationToken ct) =>
            TypedResults.Ok(SnapshotResponse.From(await snapshots.CompleteAsync(id, caller, ct))));
    }

    /// <summary>Outside the API: part uploads to the local store and downloads, both authorised by a signed link.</summary>
    public static void MapSnapshotTransfers(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPut("/snapshots/parts/{token}", PutPartAsync).DisableAntiforgery().ExcludeFromDescription()
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(5L * 1024 * 1024 * 1024));
        endpoints.MapGet("/snapshots/download/{token}", DownloadAsync).ExcludeFromDescription();
    }

    private static async Task<Results<Created<SnapshotResponse>, ValidationProblem>> DeclareAsync(
        Guid id, DeclareSnapshotRequest request, ClaimsPrincipal caller, SnapshotService snapshots, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Height is null or < 0)
        {
            errors["height"] = ["The snapshot's block height is required and cannot be negative."];
        }

        if (string.IsNullOrWhiteSpace(request.BlockHash))
        {
            errors["blockHash"] = ["The block hash at that height is required."];
        }

        if (!Sha256Digest.TryParse(request.Sha256, out var digest, out var digestError))
        {
            errors["sha256"] = [digestError];
        }

        if (request.SizeBytes is not { } size)
        {
            errors["sizeBytes"] = ["The size in bytes is required and must be positive."];
        }
        else if (Snapshot.SizeProblem(size) is { } sizeProblem)
        {
            errors["sizeBytes"] = [sizeProblem];
        }

        if (string.IsNullOrWhiteSpace(request.FileName))
        {
            errors["fileName"] = ["A file name is required, like travis_ss_mainnet_1724747.tar."];
        }
        else if (Snapshot.FileNameProblem(request.FileName.Trim()) is { } nameProblem)
        {
            errors["fileName"] = [nameProblem];
        }

        if (!string.IsNullOrWhiteSpace(request.BlobKey) && Snapshot.BlobKeyProblem(request.BlobKey.Trim()) is { } keyProblem)
        {
            errors["blobKey"] = [keyProblem];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        var declared = new DeclareSnapshot(request.Height!.Value, request.BlockHash!, digest, request.SizeBytes!.Value, request.FileName!, request.Notes);
        var snapshot = string.IsNullOrWhiteSpace(request.BlobKey)
            ? await snapshots.DeclareAsync(id, declared, caller, cancellationToken)
            : await snapshots.RegisterAsync(id, declared, request.BlobKey, caller, cancellationToken);
        return TypedResults.Created($"/api/v1/snapshots/{snapshot.Id}", SnapshotResponse.From(snapshot));
    }

    private static async Task<Results<Ok<IReadOnlyList<PartTarget>>, ValidationProblem>> PartsAsync(
        Guid id, PartsRequest request, SnapshotService snapshots, CancellationToken cancellationToken)
    {
        if (request.Parts is not { Length: > 0 and <= 100 })
        {
            return ApiProblems.Invalid("parts", "Ask for 1 to 100 part numbers at a time.");
        }

        return TypedResults.Ok(await snapshots.PartTargetsAsync(id, request.Parts, cancellationToken));
    }

    private static async Task<Results<Ok<SnapshotResponse>, ValidationProblem>> RevokeAsync(
        Guid id, RevokeSnapshotRequest request, ClaimsPrincipal caller, SnapshotService snapshots, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            return ApiProblems.Invalid("reason", "Say why the snapshot is revoked; validators will read it.");
        }

        return TypedResults.Ok(SnapshotResponse.From(await snapshots.RevokeAsync(id, request.Reason, caller, cancellationToken)));
    }

    private static async Task<IResult> PutPartAsync(string token, HttpRequest request, PartLinks links, SnapshotService snapshots, CancellationToken cancellationToken)
    {
        if (links.ReadPart(token) is not var (snapshotId, number))
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Link expired", detail: "This upload link has expired or is not valid; ask the portal for a new one.");
        }

        await snapshots.WritePartAsync(snapshotId, number, request.Body, cancellationToken);
        return Results.Ok();
    }

    /// <summary>
    /// The link on the incident page. It is signed and expires (an hour by default); when valid and the
    /// snapshot still published, S3 objects redirect to a fresh short-lived presigned URL and local objects are
    /// streamed with Range support, so interrupted downloads of tens of gigabytes can resume.
    /// </summary>
    private static async Task<IResult> DownloadAsync(string token, PartLinks links, SnapshotService snapshots, IBlobStore store, CancellationToken cancellationToken)
    {
        if (links.ReadDownload(token) is not { } snapshotId)
        {
            return Results.Problem(statusCode: StatusCodes.Status410Gone, title: "Link expired",
                detail: "This download link has expired. Reload the incident page for a fresh one.");
        }

        var snapshot = await snapshots.FindAsync(snapshotId, cancellationToken);
        if (snapshot.Status != SnapshotStatus.Published)
        {
            return Results.Problem(statusCode: StatusCodes.Status410Gone, title: "Not available",
                detail: snapshot.Status == SnapshotStatus.Revoked ? $"This snapshot was revoked: {snapshot.RevokedReason}" : "This snapshot is not published.");
        }

        if (await store.PresignDownloadAsync(snapshot.BlobKey, snapshot.FileName, TimeSpan.FromMinutes(10)) is { } url)
        {
            return Results.Redirect(url.ToString());
        }

        var stream = await store.OpenReadAsync(snapshot.BlobKey, cancellationToken);
        return Results.File(stream, "application/octet-stream", snapshot.FileName, enableRangeProcessing: true);
    }
}
