using System.Text.Json;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Portal.Domain;

namespace Portal.Data.Configurations;

/// <summary>A release's artifacts as a JSON array; each digest is re-validated when read.</summary>
internal sealed class ArtifactListConverter() : ValueConverter<List<Artifact>, string>(
    artifacts => JsonSerializer.Serialize(artifacts.Select(a => new Stored(a.Platform, a.Url, a.Sha256.Hex, a.SizeBytes)), JsonSerializerOptions.Web),
    json => (JsonSerializer.Deserialize<List<Stored>>(json, JsonSerializerOptions.Web) ?? new List<Stored>())
        .Select(s => new Artifact(s.Platform, s.Url, Sha256Digest.Parse(s.Sha256), s.SizeBytes)).ToList())
{
    internal sealed record Stored(string Platform, string Url, string Sha256, long SizeBytes);
}

internal sealed class ArtifactListComparer() : ValueComparer<List<Artifact>>(
    (a, b) => a != null && b != null && a.SequenceEqual(b),
    list => list.Aggregate(0, (hash, artifact) => HashCode.Combine(hash, artifact)),
    list => list.ToList());
