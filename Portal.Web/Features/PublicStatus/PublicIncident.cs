using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Domain;
using Portal.Web.Features.Api;
using Portal.Web.Features.Incidents;
using Portal.Web.Features.Shell;
using Portal.Web.Features.Snapshots;

namespace Portal.Web.Features.PublicStatus;

public sealed record PublicNetwork(string Name, string ChainId);

public sealed record PublicArtifact(string Platform, string Url, string Sha256, long SizeBytes, string VerifyCommand);

/// <summary>The published hotfix with its Markdown notes: release notes are public, validators' status notes are not.</summary>
public sealed record PublicRelease(Guid Id, string Version, string Notes, DateTimeOffset? PublishedAt, IReadOnlyList<PublicArtifact> Artifacts);

public sealed record PublicSnapshot(
    Guid Id, long Height, string BlockHash, string Sha256, long SizeBytes, string FileName, string Status,
    DateTimeOffset? PublishedAt, string? DownloadUrl, string VerifyCommand, string? RevokedReason);

/// <summary>A validator as anyone may see it: no contact, no status note, no portal user name.</summary>
public sealed record PublicValidator(string Key, string Name, ValidatorState State, string Stake);

/// <summary>
/// <c>GET /api/v1/public/incidents/{id}</c>: what the public status page shows, as JSON. Built only from
/// <see cref="IncidentView.ForPublic"/>, the same redacted view the page and the anonymous hub group use.
/// </summary>
public sealed record PublicIncident(
    Guid Id,
    string Title,
    IncidentStatus Status,
    PublicNetwork Network,
    long HaltHeight,
    QuorumDocument Quorum,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PublicRelease? Release,
    IReadOnlyList<PublicSnapshot> Snapshots,
    IReadOnlyList<PublicValidator> Validators)
{
    public static PublicIncident From(IncidentView view, PartLinks links)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(links);
        var shown = view.ForPublic();
        var release = shown.CurrentRelease is { } r
            ? new PublicRelease(r.Id, r.Version, r.Notes, r.PublishedAt, [.. r.Artifacts.Select(a => new PublicArtifact(a.Platform, a.Url, a.Sha256.Hex, a.SizeBytes, ShellCommands.VerifyArtifact(a)))])
            : null;
        return new PublicIncident(
            shown.Incident.Id,
            shown.Incident.Title,
            shown.Incident.Status,
            new PublicNetwork(shown.Network.Name, shown.Network.ChainId),
            shown.Incident.HaltHeight,
            QuorumDocument.From(shown.Incident, shown.Quorum),
            release,
            [.. shown.Snapshots.Select(s => new PublicSnapshot(
                s.Id, s.Height, s.BlockHash, s.DeclaredSha256.Hex, s.DeclaredSize, s.FileName, Snapshot.Describe(s.Status), s.PublishedAt,
                s.Status == SnapshotStatus.Published ? links.ForDownload(s.Id, PartLinks.DownloadLinkLifetime).ToString() : null,
                ShellCommands.VerifySnapshot(s.DeclaredSha256, s.FileName),
                s.RevokedReason))],
            [.. shown.Validators.Select(v => new PublicValidator(v.Key, v.Name, v.State, v.Stake.Value.ToString(CultureInfo.InvariantCulture)))]);
    }
}

public static class PublicIncidentEndpoints
{
    /// <summary>Watchers by the thousand may poll; five seconds of caching lets a proxy answer most of them.</summary>
    public const string CacheControl = "public, max-age=5";

    public static void MapPublicIncidentEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/public/incidents/{id:guid}", GetAsync)
            .AllowAnonymous()
            .WithName("GetPublicIncident")
            .WithSummary("The public status of an incident, as the status page shows it")
            .WithDescription("No sign-in. Validators' contacts, status notes and portal user names are never included. Cached for five seconds.");
    }

    private static async Task<Results<Ok<PublicIncident>, ProblemHttpResult>> GetAsync(
        Guid id, IncidentReader reader, PartLinks links, HttpContext http, CancellationToken cancellationToken)
    {
        if (await reader.LoadAsync(id, cancellationToken) is not { } view)
        {
            return ApiProblems.NotFound($"No incident {id}.");
        }

        http.Response.Headers.CacheControl = CacheControl;
        return TypedResults.Ok(PublicIncident.From(view, links));
    }
}
