using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Identity;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Releases;

/// <summary>An artifact as submitted: unvalidated.</summary>
public sealed record ArtifactInput(string? Platform, string? Url, string? Sha256, long SizeBytes);

/// <summary>An incident and its releases, for the releases list.</summary>
public sealed record IncidentReleases(Guid IncidentId, string Title, IncidentStatus Status, IReadOnlyList<Release> Releases, bool IsDrill = false);

public sealed class ReleaseService(PortalDbContext db, IncidentWrites writes, CallerAccess access)
{
    /// <summary>Validates artifacts, naming each bad field as <c>artifacts[i].field</c>.</summary>
    public static (IReadOnlyList<Artifact> Artifacts, Dictionary<string, string[]> Errors) ValidateArtifacts(IReadOnlyList<ArtifactInput>? inputs)
    {
        var errors = new Dictionary<string, string[]>();
        var artifacts = new List<Artifact>();
        for (var i = 0; i < (inputs?.Count ?? 0); i++)
        {
            var input = inputs![i] ?? new ArtifactInput(null, null, null, 0);
            if (!Sha256Digest.TryParse(input.Sha256, out var digest, out var digestError))
            {
                errors[$"artifacts[{i}].sha256"] = [digestError];
                continue;
            }

            try
            {
                artifacts.Add(Artifact.Create(input.Platform ?? "", input.Url ?? "", digest, input.SizeBytes));
            }
            catch (DomainException ex)
            {
                var field = ex.Message.Contains("URL", StringComparison.Ordinal) ? "url" : ex.Message.Contains("size", StringComparison.Ordinal) ? "sizeBytes" : "platform";
                errors[$"artifacts[{i}].{field}"] = [ex.Message];
            }
        }

        return (artifacts, errors);
    }

    public async Task<Release> DraftAsync(Guid incidentId, string version, string notes, IReadOnlyList<Artifact> artifacts, string actor, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.CoreDev);
        return await writes.ChangeAsync(incidentId, actor, async change =>
        {
            await EnsureVersionFreeAsync(incidentId, version, null, cancellationToken);
            var release = Release.Draft(change.Incident, version, notes, artifacts, actor, change.Now);
            db.Releases.Add(release);
            change.Incident.Changed(change.Now);
            change.Record(TimelineKinds.ReleaseDrafted, $"Release {release.Version} drafted with {artifacts.Count} artifact(s).");
            return release;
        }, cancellationToken);
    }

    public async Task<Release> EditAsync(Guid releaseId, string version, string notes, IReadOnlyList<Artifact> artifacts, string actor, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.CoreDev);
        var incidentId = await IncidentOfAsync(releaseId, cancellationToken);
        return await writes.ChangeAsync(incidentId, actor, async change =>
        {
            await EnsureVersionFreeAsync(incidentId, version, releaseId, cancellationToken);
            var release = await db.Releases.SingleAsync(r => r.Id == releaseId, cancellationToken);
            release.Edit(version, notes, artifacts);
            db.Entry(release).Property("_artifacts").IsModified = true;
            change.Incident.Changed(change.Now);
            change.Record(TimelineKinds.ReleaseEdited, $"Release {release.Version} edited.");
            return release;
        }, cancellationToken);
    }

    /// <summary>
    /// Publishes a draft. If another release was already published, this one supersedes it and every
    /// validator past acknowledged is back to pending: running the old fix no longer counts toward quorum.
    /// With <paramref name="seenTag"/> (the <see cref="Release.ContentTag"/> the publisher looked at), a release
    /// edited since is refused: checked under the incident's lock, so no edit can slip in between.
    /// </summary>
    public async Task<Release> PublishAsync(Guid releaseId, string actor, string? seenTag = null, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.CoreDev);
        var incidentId = await IncidentOfAsync(releaseId, cancellationToken);
        return await writes.ChangeAsync(incidentId, actor, async change =>
        {
            var releases = await db.Releases.Where(r => r.IncidentId == incidentId).ToListAsync(cancellationToken);
            var release = releases.Single(r => r.Id == releaseId);
            release.EnsureUnchangedSince(seenTag);
            var superseded = IncidentReader.CurrentRelease(releases);
            await change.LoadValidatorsAsync(cancellationToken);
            var reset = change.Incident.Publish(release, supersedes: superseded is not null, change.Now);
            change.PartChanged(ChangedParts.Release);
            change.Record(TimelineKinds.ReleasePublished, superseded is null
                ? $"Release {release.Version} published."
                : $"Release {release.Version} published, superseding {superseded.Version}: {reset.Count} validator(s) past acknowledged are pending again and must upgrade to {release.Version}.");
            foreach (var id in reset)
            {
                change.ValidatorChanged(id);
            }

            change.Raise(Notifications.NotificationEvents.Published(change, release));

            return release;
        }, cancellationToken);
    }

    /// <summary>One release, or null if there is none with that id.</summary>
    public Task<Release?> FindAsync(Guid releaseId, CancellationToken cancellationToken = default) =>
        db.Releases.AsNoTracking().SingleOrDefaultAsync(r => r.Id == releaseId, cancellationToken);

    public async Task<Release> WithdrawAsync(Guid releaseId, string reason, string actor, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.CoreDev);
        var incidentId = await IncidentOfAsync(releaseId, cancellationToken);
        return await writes.ChangeAsync(incidentId, actor, async change =>
        {
            var release = await db.Releases.SingleAsync(r => r.Id == releaseId, cancellationToken);
            change.Incident.Withdraw(release, reason, change.Now);
            change.PartChanged(ChangedParts.Release);
            change.Record(TimelineKinds.ReleaseWithdrawn, $"Release {release.Version} withdrawn: {release.WithdrawnReason}");
            change.Raise(Notifications.NotificationEvents.Withdrawn(change, release));
            return release;
        }, cancellationToken);
    }

    /// <summary>
    /// Deletes a draft. Only a draft: a release validators may have seen (published or withdrawn) stays, so the
    /// timeline and the validators' reports keep pointing at what they were told.
    /// </summary>
    public async Task DeleteDraftAsync(Guid releaseId, string actor, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.CoreDev);
        var incidentId = await IncidentOfAsync(releaseId, cancellationToken);
        await writes.ChangeAsync(incidentId, actor, async change =>
        {
            var release = await db.Releases.SingleAsync(r => r.Id == releaseId, cancellationToken);
            if (release.Status != ReleaseStatus.Draft)
            {
                throw new IllegalTransitionException($"Release {release.Version} is {release.Status.ToString().ToLowerInvariant()}; only a draft can be deleted. Withdraw it instead.");
            }

            db.Releases.Remove(release);
            change.Incident.Changed(change.Now);
            change.Record(TimelineKinds.ReleaseDeleted, $"Draft release {release.Version} deleted.");
            return release.Id;
        }, cancellationToken);
    }

    /// <summary>Every incident with its releases (newest first): real incidents first, newest first, then drills.</summary>
    public async Task<IReadOnlyList<IncidentReleases>> ListAsync(CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(Roles.Admin, Roles.CoreDev);
        var incidents = await db.Incidents.AsNoTracking().OrderBy(i => i.IsDrill).ThenByDescending(i => i.DeclaredAt)
            .Select(i => new { i.Id, i.Title, i.Status, i.IsDrill }).ToListAsync(cancellationToken);
        var releases = (await db.Releases.AsNoTracking().ToListAsync(cancellationToken)).ToLookup(r => r.IncidentId);
        return [.. incidents.Select(i => new IncidentReleases(i.Id, i.Title, i.Status, [.. releases[i.Id].OrderByDescending(r => r.CreatedAt)], i.IsDrill))];
    }

    private async Task<Guid> IncidentOfAsync(Guid releaseId, CancellationToken cancellationToken) =>
        await db.Releases.Where(r => r.Id == releaseId).Select(r => (Guid?)r.IncidentId).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"No release {releaseId}.");

    private async Task EnsureVersionFreeAsync(Guid incidentId, string version, Guid? except, CancellationToken cancellationToken)
    {
        var trimmed = version.Trim();
        if (await db.Releases.AnyAsync(r => r.IncidentId == incidentId && r.Version == trimmed && r.Id != except, cancellationToken))
        {
            throw new IllegalTransitionException($"This incident already has a release {trimmed}.");
        }
    }
}
