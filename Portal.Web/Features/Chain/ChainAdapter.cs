using System.Globalization;
using System.Text.Json;
using Portal.Data.Chain;

namespace Portal.Web.Features.Chain;

/// <summary>One validator as the chain lists it: its key there (address or vote account) and its exact power.</summary>
public sealed record ChainMember(string Key, ulong Power);

/// <summary>A complete validator set read at one height; never a partial one (a read that cannot be completed throws).</summary>
public sealed record ChainValidatorSet(long Height, IReadOnlyList<ChainMember> Members);

/// <summary>The chain's head as one node reports it.</summary>
public sealed record ChainHead(long Height, DateTimeOffset? BlockTime, string? NodeVersion, bool CatchingUp);

/// <summary>A vote seen in the consensus state: which validator (by address), in which round, of which type.</summary>
public sealed record SeenVote(string Address, int Round, string Type);

/// <summary>The votes at the height consensus is working on (the stuck height while halted).</summary>
public sealed record ChainVotes(long Height, int Round, IReadOnlyList<SeenVote> Votes, int Unmatched);

/// <summary>A node's own report of what it runs, for the version check.</summary>
public sealed record NodeReport(string? Version);

/// <summary>The chain could not be read, or answered something the portal cannot trust. The message says which and why.</summary>
public sealed class ChainReadException(string message) : Exception(message);

/// <summary>A response whose shape is wrong (a field missing, of the wrong type, out of range).</summary>
public sealed class ChainDataException(string message) : Exception(message);

/// <summary>
/// What the portal asks of a chain family. Every method takes the network's RPC URLs in order of preference and
/// falls back to the next when one fails; each URL gets the HTTP client's timeouts and retries.
/// </summary>
public interface IChainAdapter
{
    ChainFamily Family { get; }

    /// <summary>The whole validator set at <paramref name="height"/>, with exact powers.</summary>
    Task<ChainValidatorSet> ReadValidatorSetAsync(IReadOnlyList<Uri> rpcUrls, long height, CancellationToken cancellationToken = default);

    /// <summary>The latest height (block or slot).</summary>
    Task<ChainHead> ReadHeadAsync(IReadOnlyList<Uri> rpcUrls, CancellationToken cancellationToken = default);

    /// <summary>Who is voting at the height consensus is stuck on; null when the family does not expose it.</summary>
    Task<ChainVotes?> ReadVotesAsync(IReadOnlyList<Uri> rpcUrls, CancellationToken cancellationToken = default);

    /// <summary>What one validator's node says it runs (its own status endpoint).</summary>
    Task<NodeReport> ReadNodeAsync(Uri statusUrl, CancellationToken cancellationToken = default);
}

/// <summary>The adapters, by family.</summary>
public sealed class ChainAdapters(IEnumerable<IChainAdapter> adapters)
{
    private readonly Dictionary<ChainFamily, IChainAdapter> _byFamily = adapters.ToDictionary(a => a.Family);

    public IChainAdapter For(ChainFamily family) => _byFamily[family];

    public static string Name(ChainFamily family) => family == ChainFamily.CometBft ? "cometbft" : "solana";

    public static bool TryParse(string? name, out ChainFamily family)
    {
        // Exact lower-case names, like every enum of the API.
        family = name == "solana" ? ChainFamily.Solana : ChainFamily.CometBft;
        return name is "cometbft" or "solana";
    }
}

/// <summary>Readers for JSON fields the RPCs send as strings or numbers, strict about what they accept.</summary>
internal static class Json
{
    public static JsonElement Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new ChainDataException($"'{name}' is missing.");

    public static JsonElement? Optional(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>A signed 64-bit integer, written as a JSON number or a string of digits (CometBFT quotes int64s).</summary>
    public static long Int64(JsonElement element, string name)
    {
        var value = Property(element, name);
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            _ => throw new ChainDataException($"'{name}' is not a number."),
        };
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new ChainDataException($"'{name}' is not a 64-bit integer: {Clip(text)}.");
    }

    /// <summary>A non-negative integer up to <paramref name="max"/>, digits only.</summary>
    public static ulong Unsigned(JsonElement element, string name, ulong max)
    {
        var value = Property(element, name);
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            _ => throw new ChainDataException($"'{name}' is not a number."),
        };
        if (text.Length == 0 || text.Any(c => c is < '0' or > '9') || !ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed > max)
        {
            throw new ChainDataException($"'{name}' must be a whole number from 0 to {max}: got {Clip(text)}.");
        }

        return parsed;
    }

    public static string String(JsonElement element, string name)
    {
        var value = Property(element, name);
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new ChainDataException($"'{name}' is not a string.");
    }

    public static JsonElement Array(JsonElement element, string name)
    {
        var value = Property(element, name);
        return value.ValueKind == JsonValueKind.Array ? value : throw new ChainDataException($"'{name}' is not an array.");
    }

    public static string Clip(string text) => text.Length <= 40 ? $"'{text}'" : $"'{text[..40]}…'";
}
