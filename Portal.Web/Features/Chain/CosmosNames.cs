using System.Security.Cryptography;
using System.Text.Json;

namespace Portal.Web.Features.Chain;

/// <summary>
/// Monikers from a Cosmos SDK REST endpoint (<c>/cosmos/staking/v1beta1/validators</c>), keyed by consensus
/// address: for an ed25519 consensus key the address is the first 20 bytes of SHA-256 of the 32-byte key,
/// which is what CometBFT's <c>/validators</c> lists.
/// </summary>
public sealed class CosmosNames(ChainRpcClient rpc)
{
    private const int PageLimit = 200;
    private const int MaxPages = 100;

    public async Task<IReadOnlyDictionary<string, string>> ReadAsync(Uri restUrl, CancellationToken cancellationToken = default)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        string? next = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var query = $"cosmos/staking/v1beta1/validators?pagination.limit={PageLimit}" + (next is null ? "" : $"&pagination.key={Uri.EscapeDataString(next)}");
            var (items, nextKey) = await rpc.GetAsync([restUrl], query, result =>
            {
                var found = new List<(string Address, string Moniker)>();
                foreach (var validator in Json.Array(result, "validators").EnumerateArray())
                {
                    if (Json.Optional(validator, "consensus_pubkey") is { } key && Json.Optional(key, "key") is { ValueKind: JsonValueKind.String } value
                        && Address(Json.Optional(key, "@type")?.GetString(), value.GetString()!) is { } address
                        && Json.Optional(validator, "description") is { } description && Json.Optional(description, "moniker") is { ValueKind: JsonValueKind.String } moniker)
                    {
                        found.Add((address, moniker.GetString()!));
                    }
                }

                var nextKey = Json.Optional(result, "pagination") is { } p && Json.Optional(p, "next_key") is { ValueKind: JsonValueKind.String } n && n.GetString()!.Length > 0 ? n.GetString() : null;
                return (found, nextKey);
            }, cancellationToken);
            foreach (var (address, moniker) in items)
            {
                names.TryAdd(address, moniker);
            }

            if (nextKey is null)
            {
                return names;
            }

            if (!keys.Add(nextKey))
            {
                throw new ChainReadException("The REST endpoint repeats its pagination key: it pages in a loop.");
            }

            next = nextKey;
        }

        throw new ChainReadException($"The REST endpoint kept paging past {MaxPages} pages.");
    }

    /// <summary>The consensus address of an ed25519 key given in base64; null for other key types or a malformed key.</summary>
    public static string? Address(string? type, string base64)
    {
        if (type is not null && !type.EndsWith("ed25519.PubKey", StringComparison.Ordinal))
        {
            return null;
        }

        var bytes = new byte[32];
        if (!Convert.TryFromBase64String(base64, bytes, out var written) || written != 32)
        {
            return null;
        }

        return Convert.ToHexString(SHA256.HashData(bytes).AsSpan(0, 20));
    }
}
