using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Portal.Domain;

/// <summary>
/// The head of an incident's timeline (how many entries, the hash of the newest) kept on the incident row,
/// outside the entries it protects, and sealed with an HMAC under a key only the portal holds. The hash chain
/// alone cannot show that its newest entries were deleted, or that it was rewritten and re-hashed from some
/// entry on: both leave a chain that is whole. Against the anchor, both show, and a database owner cannot
/// write a matching anchor without the key (decision 0007).
/// </summary>
public readonly record struct TimelineAnchor(long Count, string Head, string? Seal)
{
    /// <summary>The smallest key accepted, in bytes: HMAC-SHA256 gains nothing from longer ones.</summary>
    public const int MinimumKeyBytes = 32;

    /// <summary>The anchor of an incident with no entries yet.</summary>
    public static TimelineAnchor Empty { get; } = new(0, TimelineEvent.Genesis, null);

    /// <summary>The anchor after appending an entry whose hash is <paramref name="head"/> as entry number <paramref name="count"/>.</summary>
    public static TimelineAnchor Create(ReadOnlySpan<byte> key, Guid incidentId, long count, string head) =>
        new(count, head, Compute(key, incidentId, count, head));

    /// <summary>True when the seal is the server's HMAC over this incident, count and head.</summary>
    public bool IsSealedBy(ReadOnlySpan<byte> key, Guid incidentId)
    {
        if (Seal is null || Seal.Length != 64)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Compute(key, incidentId, Count, Head));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(Seal));
    }

    private static string Compute(ReadOnlySpan<byte> key, Guid incidentId, long count, string head)
    {
        if (key.Length < MinimumKeyBytes)
        {
            throw new ArgumentException($"The timeline key must be at least {MinimumKeyBytes} bytes.", nameof(key));
        }

        ArgumentNullException.ThrowIfNull(head);
        var message = string.Join('\n', "portal-timeline-anchor-v1", incidentId.ToString("N"), count.ToString(CultureInfo.InvariantCulture), head);
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(message)));
    }
}
