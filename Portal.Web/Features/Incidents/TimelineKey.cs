using System.Security.Cryptography;
using System.Text;
using Portal.Domain;

namespace Portal.Web.Features.Incidents;

/// <summary>
/// The key that seals timeline anchors (<c>Portal:Timeline:Key</c>, base64, at least 32 bytes). It lives in the
/// portal's configuration and never in the database, so that whoever can write the tables cannot write an anchor
/// that verifies. Outside Development the portal refuses to start without it; in Development a fixed, public key
/// stands in (and a warning says so), which is no protection and is meant for a laptop only.
/// </summary>
public sealed class TimelineKey
{
    public const string Setting = "Portal:Timeline:Key";

    private readonly byte[] _key;

    private TimelineKey(byte[] key, string? problem, bool isDevelopmentDefault)
    {
        _key = key;
        Problem = problem;
        IsDevelopmentDefault = isDevelopmentDefault;
    }

    /// <summary>Why the portal must not start with this configuration; null when the key is usable.</summary>
    public string? Problem { get; }

    /// <summary>True when no key was set and the Development stand-in is used.</summary>
    public bool IsDevelopmentDefault { get; }

    public ReadOnlySpan<byte> Bytes => Problem is null ? _key : throw new InvalidOperationException(Problem);

    public static TimelineKey Load(IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        var text = configuration[Setting];
        if (string.IsNullOrWhiteSpace(text))
        {
            return environment.IsDevelopment()
                ? new TimelineKey(SHA256.HashData(Encoding.UTF8.GetBytes("portal development timeline key: public, never for production")), null, true)
                : Refused($"{Setting} (env Portal__Timeline__Key) is not set. Set it to at least {TimelineAnchor.MinimumKeyBytes} random bytes in base64 (e.g. `openssl rand -base64 32`) and keep it: anchors sealed under a lost key no longer verify.");
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            return Refused($"{Setting} is not valid base64.");
        }

        return key.Length < TimelineAnchor.MinimumKeyBytes
            ? Refused($"{Setting} holds {key.Length} bytes; it needs at least {TimelineAnchor.MinimumKeyBytes}.")
            : new TimelineKey(key, null, false);
    }

    private static TimelineKey Refused(string problem) => new([], problem, false);
}
