namespace Portal.Domain;

public enum ReleaseStatus
{
    Draft,
    Published,
    Withdrawn,
}

/// <summary>A downloadable build of a hotfix for one platform.</summary>
public sealed record Artifact(string Platform, string Url, Sha256Digest Sha256, long SizeBytes)
{
    public const int PlatformMax = 64;
    public const int UrlMax = 2000;

    public static Artifact Create(string platform, string url, Sha256Digest sha256, long sizeBytes)
    {
        var name = Text.Required(platform, "artifact platform", PlatformMax, "platform");
        var link = Text.Required(url, "artifact URL", UrlMax, "url");
        if (!Uri.TryCreate(link, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            throw new DomainException("An artifact URL must be an absolute http(s) address.");
        }

        return sizeBytes > 0 ? new Artifact(name, link, sha256, sizeBytes) : throw new DomainException("An artifact's size must be a positive number of bytes.");
    }

    /// <summary>The file name a download gets, for the copy-paste verification command.</summary>
    public string FileName
    {
        get
        {
            var last = new Uri(Url).Segments[^1];
            return last is "" or "/" ? "artifact" : Uri.UnescapeDataString(last);
        }
    }
}

/// <summary>
/// A hotfix for an incident: drafted and edited by core developers, then published (and possibly withdrawn).
/// The newest published release is the one validators must run; publishing a newer one supersedes it.
/// </summary>
public sealed class Release
{
    public const int VersionMax = Limits.VersionMax;
    public const int NotesMax = 100_000;
    public const int MaxArtifacts = 20;

    private List<Artifact> _artifacts = [];

    private Release()
    {
        Version = Notes = CreatedBy = string.Empty;
    }

    public Guid Id { get; private set; }
    public Guid IncidentId { get; private set; }
    public string Version { get; private set; }
    public string Notes { get; private set; }
    public ReleaseStatus Status { get; private set; }
    public string CreatedBy { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? PublishedAt { get; private set; }
    public DateTimeOffset? WithdrawnAt { get; private set; }
    public string? WithdrawnReason { get; private set; }
    public IReadOnlyList<Artifact> Artifacts => _artifacts;

    public static Release Draft(Incident incident, string version, string notes, IReadOnlyList<Artifact> artifacts, string by, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var release = new Release { Id = Guid.CreateVersion7(at), IncidentId = incident.Id, Status = ReleaseStatus.Draft, CreatedBy = by, CreatedAt = at };
        release.Edit(version, notes, artifacts);
        return release;
    }

    public void Edit(string version, string notes, IReadOnlyList<Artifact> artifacts)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        if (Status != ReleaseStatus.Draft)
        {
            throw new IllegalTransitionException($"Release {Version} is {Status.ToString().ToLowerInvariant()}; only drafts can be edited. Publish a new release instead.");
        }

        if (artifacts.Count > MaxArtifacts)
        {
            throw new DomainException($"A release has at most {MaxArtifacts} artifacts.");
        }

        if (artifacts.GroupBy(a => a.Platform, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new DomainException($"Platform '{twice.Key}' appears twice; give each artifact its own platform.");
        }

        Version = Text.Required(version, "version", VersionMax, "version");
        Notes = Text.Optional(notes, "notes", NotesMax, "notes", multiLine: true) ?? string.Empty;
        _artifacts = [.. artifacts];
    }

    /// <summary>
    /// A fingerprint of what validators would be told: version, notes and artifacts. A publisher sends back the
    /// tag of the release they looked at, so an edit made in between is never published unseen.
    /// </summary>
    public string ContentTag
    {
        get
        {
            var text = new System.Text.StringBuilder();
            foreach (var part in (IEnumerable<string>)[Version, Notes, .. _artifacts.SelectMany(a => new[] { a.Platform, a.Url, a.Sha256.Hex, a.SizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) })])
            {
                // Length-prefixed, so no two different contents hash the same text.
                text.Append(part.Length).Append(':').Append(part).Append('\n');
            }

            return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())))[..32];
        }
    }

    /// <summary>Throws <see cref="IllegalTransitionException"/> when the release changed since the publisher saw <paramref name="seenTag"/>.</summary>
    public void EnsureUnchangedSince(string? seenTag)
    {
        if (seenTag is not null && !string.Equals(seenTag, ContentTag, StringComparison.Ordinal))
        {
            throw new IllegalTransitionException($"Release {Version} was changed after you looked at it; review the current version, notes and artifacts, then publish again.");
        }
    }

    internal void Publish(DateTimeOffset at)
    {
        if (Status != ReleaseStatus.Draft)
        {
            throw new IllegalTransitionException($"Release {Version} is already {Status.ToString().ToLowerInvariant()}.");
        }

        if (_artifacts.Count == 0)
        {
            throw new IllegalTransitionException("A release needs at least one artifact before it can be published.");
        }

        Status = ReleaseStatus.Published;
        PublishedAt = at;
    }

    internal void Withdraw(string reason, DateTimeOffset at)
    {
        if (Status != ReleaseStatus.Published)
        {
            throw new IllegalTransitionException($"Only a published release can be withdrawn; {Version} is {Status.ToString().ToLowerInvariant()}.");
        }

        Status = ReleaseStatus.Withdrawn;
        WithdrawnAt = at;
        WithdrawnReason = Text.Required(reason, "reason for withdrawing", Limits.NoteMax, "reason", multiLine: true);
    }
}
