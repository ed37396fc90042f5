using System.Diagnostics.CodeAnalysis;

namespace Portal.Domain;

/// <summary>A SHA-256 digest as 64 lowercase hex characters, the form <c>sha256sum</c> prints.</summary>
public readonly record struct Sha256Digest
{
    public const int Length = 64;

    private Sha256Digest(string hex) => Hex = hex;

    public string Hex { get; }

    public static bool TryParse([NotNullWhen(true)] string? text, out Sha256Digest digest, [NotNullWhen(false)] out string? error)
    {
        digest = default;
        var trimmed = text?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(trimmed))
        {
            error = "A SHA-256 digest is required.";
            return false;
        }

        if (trimmed.Length != Length || !trimmed.All(char.IsAsciiHexDigitLower))
        {
            error = "A SHA-256 digest is 64 hexadecimal characters, as sha256sum prints it.";
            return false;
        }

        digest = new Sha256Digest(trimmed);
        error = null;
        return true;
    }

    public static Sha256Digest Parse(string text) => TryParse(text, out var digest, out var error) ? digest : throw new DomainException(error);

    public override string ToString() => Hex;
}
