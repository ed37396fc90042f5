using System.Diagnostics.CodeAnalysis;

namespace Portal.Domain;

/// <summary>A block height: a non-negative integer.</summary>
public readonly record struct BlockHeight(long Value)
{
    public static BlockHeight Create(long value) =>
        value >= 0 ? new BlockHeight(value) : throw new DomainException("A block height cannot be negative.");

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// A validator's identity on its network: operator address or consensus key, as the chain prints it.
/// Compared exactly (keys are case-sensitive in bech32 and base64 alike).
/// </summary>
public readonly record struct ValidatorKey
{
    private ValidatorKey(string value) => Value = value;

    public string Value { get; }

    public static bool TryCreate([NotNullWhen(true)] string? text, out ValidatorKey key, [NotNullWhen(false)] out string? error)
    {
        key = default;
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            error = "The validator key is required.";
            return false;
        }

        if (trimmed.Length > Limits.ValidatorKeyMax)
        {
            error = $"The validator key must be at most {Limits.ValidatorKeyMax} characters.";
            return false;
        }

        if (trimmed.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '/'))
        {
            error = "The validator key cannot contain spaces, control characters or '/'.";
            return false;
        }

        if (Text.Problem(trimmed) is { } problem)
        {
            error = $"The validator key {problem}.";
            return false;
        }

        key = new ValidatorKey(trimmed);
        error = null;
        return true;
    }

    public static ValidatorKey Create(string text) =>
        TryCreate(text, out var key, out var error) ? key : throw new DomainException(error);

    public override string ToString() => Value;
}
