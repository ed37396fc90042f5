using System.Security.Cryptography;
using System.Text;

namespace Portal.Data.Identity;

/// <summary>
/// A bearer token for scripts. Only its SHA-256 is stored: the token itself has 256 bits of randomness, so a
/// fast hash is enough (there is nothing to brute-force), and lookups stay a single indexed equality.
/// </summary>
public sealed class ApiToken
{
    /// <summary>Every token starts with this, so leaked tokens are easy to grep for and to recognise.</summary>
    public const string Prefix = "vcp_";
    public const int NameMax = 100;

    private ApiToken()
    {
        Name = string.Empty;
        Hash = [];
        Hint = string.Empty;
    }

    public Guid Id { get; private set; }
    public Guid UserId { get; private set; }
    public string Name { get; private set; }
    public byte[] Hash { get; private set; }

    /// <summary>The first characters of the token, shown in lists so a user can tell tokens apart.</summary>
    public string Hint { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? ExpiresAt { get; private set; }
    public DateTimeOffset? LastUsedAt { get; private set; }
    public DateTimeOffset? RevokedAt { get; private set; }

    public bool IsActive(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);

    /// <summary>Creates a token; the plain value is returned once and never stored.</summary>
    public static (ApiToken Token, string Plain) Issue(Guid userId, string name, DateTimeOffset? expiresAt, DateTimeOffset now)
    {
        var plain = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        return (Create(userId, name, plain, expiresAt, now), plain);
    }

    /// <summary>A token whose value was chosen outside the portal (the configured bootstrap admin token).</summary>
    public static ApiToken FromKnownValue(Guid userId, string name, string plain, DateTimeOffset now) =>
        Create(userId, name, plain, expiresAt: null, now);

    private static ApiToken Create(Guid userId, string name, string plain, DateTimeOffset? expiresAt, DateTimeOffset now)
    {
        var trimmed = name.Trim();
        if (trimmed.Length is 0 or > NameMax)
        {
            throw new ArgumentException($"A token name of 1 to {NameMax} characters is required.", nameof(name));
        }

        if (expiresAt is { } expiry && expiry <= now)
        {
            throw new ArgumentException("The expiry must be in the future.", nameof(expiresAt));
        }

        return new ApiToken
        {
            Id = Guid.CreateVersion7(now),
            UserId = userId,
            Name = trimmed,
            Hash = HashOf(plain),
            Hint = plain[..Math.Min(plain.Length, Prefix.Length + 6)],
            CreatedAt = now,
            ExpiresAt = expiresAt,
        };
    }

    public static byte[] HashOf(string plain) => SHA256.HashData(Encoding.UTF8.GetBytes(plain));

    public void Revoke(DateTimeOffset now) => RevokedAt ??= now;

    public void MarkUsed(DateTimeOffset now) => LastUsedAt = now;

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
