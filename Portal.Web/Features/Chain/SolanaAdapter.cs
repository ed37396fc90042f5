using System.Text.Json;
using Portal.Data.Chain;

namespace Portal.Web.Features.Chain;

/// <summary>
/// Solana JSON-RPC: <c>getVoteAccounts</c> (activated stake per vote account, current and delinquent) and
/// <c>getSlot</c>. Solana has no historical stake query by slot and no vote dump comparable to CometBFT's, so
/// the set is the current epoch's and <see cref="ReadVotesAsync"/> reports nothing.
/// </summary>
public sealed class SolanaAdapter(ChainRpcClient rpc) : IChainAdapter
{
    private static readonly string[] Groups = ["current", "delinquent"];

    public ChainFamily Family => ChainFamily.Solana;

    public async Task<ChainValidatorSet> ReadValidatorSetAsync(IReadOnlyList<Uri> rpcUrls, long height, CancellationToken cancellationToken = default)
    {
        var members = await rpc.CallAsync(rpcUrls, "getVoteAccounts", [], result =>
        {
            var list = new List<ChainMember>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var group in Groups)
            {
                foreach (var account in Json.Array(result, group).EnumerateArray())
                {
                    var key = Json.String(account, "votePubkey");
                    if (key.Length is < 32 or > 44 || !seen.Add(key))
                    {
                        throw new ChainDataException($"Vote account {Json.Clip(key)} is malformed or listed twice.");
                    }

                    // Lamports, a u64.
                    list.Add(new ChainMember(key, Json.Unsigned(account, "activatedStake", ulong.MaxValue)));
                }
            }

            return list.Count > 0 ? list : throw new ChainDataException("getVoteAccounts listed no vote accounts.");
        }, cancellationToken);
        return new ChainValidatorSet(height, members);
    }

    public Task<ChainHead> ReadHeadAsync(IReadOnlyList<Uri> rpcUrls, CancellationToken cancellationToken = default) =>
        rpc.CallAsync(rpcUrls, "getSlot", [], result =>
            result.ValueKind == JsonValueKind.Number && result.TryGetInt64(out var slot) && slot >= 0
                ? new ChainHead(slot, null, null, false)
                : throw new ChainDataException("getSlot did not answer a slot number."), cancellationToken);

    public Task<ChainVotes?> ReadVotesAsync(IReadOnlyList<Uri> rpcUrls, CancellationToken cancellationToken = default) => Task.FromResult<ChainVotes?>(null);

    public Task<NodeReport> ReadNodeAsync(Uri statusUrl, CancellationToken cancellationToken = default) =>
        rpc.CallAsync([statusUrl], "getVersion", [], result =>
            new NodeReport(CometBftAdapter.Clean(Json.String(result, "solana-core"))), cancellationToken);
}
