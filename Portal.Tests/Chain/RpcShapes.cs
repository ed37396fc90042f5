using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Portal.Tests.Chain;

/// <summary>
/// Responses shaped like those of CometBFT's RPC (v0.38 documentation: int64 values as strings, JSON-RPC envelope
/// with id -1) and Solana's JSON-RPC, built from a list of validators.
/// </summary>
public static class RpcShapes
{
    public sealed record Val(string Address, string PubKey, string Power);

    /// <summary>A validator with a real-looking ed25519 key and the address CometBFT derives from it.</summary>
    public static Val Validator(string salt, int i, string power)
    {
        var key = SHA256.HashData(Encoding.UTF8.GetBytes($"{salt}-{i}"));
        var address = Convert.ToHexString(SHA256.HashData(key).AsSpan(0, 20));
        return new Val(address, Convert.ToBase64String(key), power);
    }

    public static List<Val> Set(string salt, int count, Func<int, string>? power = null) =>
        [.. Enumerable.Range(0, count).Select(i => Validator(salt, i, power?.Invoke(i) ?? "1000000"))];

    private static string Envelope(object result) =>
        JsonSerializer.Serialize(new { jsonrpc = "2.0", id = -1, result });

    private static object ValidatorJson(Val v) => new
    {
        address = v.Address,
        pub_key = new Dictionary<string, string> { ["type"] = "tendermint/PubKeyEd25519", ["value"] = v.PubKey },
        voting_power = v.Power,
        proposer_priority = "-1189",
    };

    /// <summary>One page of <c>/validators</c>; <paramref name="total"/> may lie.</summary>
    public static string ValidatorsPage(IReadOnlyList<Val> set, long height, int page, int perPage = 100, int? total = null)
    {
        var items = set.Skip((page - 1) * perPage).Take(perPage).Select(ValidatorJson).ToList();
        return Envelope(new
        {
            block_height = height.ToString(CultureInfo.InvariantCulture),
            validators = items,
            count = items.Count.ToString(CultureInfo.InvariantCulture),
            total = (total ?? set.Count).ToString(CultureInfo.InvariantCulture),
        });
    }

    public static string Status(long height, string version = "0.38.12", bool catchingUp = false) => Envelope(new
    {
        node_info = new
        {
            protocol_version = new { p2p = "8", block = "11", app = "0" },
            id = "5576458aef205977e18fd50b274e9b5d9014525a",
            listen_addr = "tcp://0.0.0.0:26656",
            network = "cybermiles-1",
            version,
            channels = "40202122233038606100",
            moniker = "node",
        },
        sync_info = new
        {
            latest_block_hash = "790BA84C3545FCCC49A5C629CEE6EA58A6E875C3862175BDC11EE7AF54703501",
            latest_app_hash = "C9AEBB441B787D9F1D846DE51F3826F4FD386108B59B08239653ABF59455C3F8",
            latest_block_height = height.ToString(CultureInfo.InvariantCulture),
            latest_block_time = "2019-05-21T03:41:55.178529Z",
            catching_up = catchingUp,
        },
    });

    /// <summary>
    /// <c>/dump_consensus_state</c> at <paramref name="height"/>, round 1: prevotes and precommits printed as CometBFT
    /// prints them, <c>nil-Vote</c> for validators not heard from.
    /// </summary>
    public static string Consensus(IReadOnlyList<Val> set, long height, IReadOnlySet<int> voting, long? voteHeight = null) => Envelope(new
    {
        round_state = new
        {
            height = height.ToString(CultureInfo.InvariantCulture),
            round = 1,
            step = 3,
            start_time = "2019-05-21T04:00:00.064658805Z",
            validators = new { validators = set.Select(ValidatorJson), proposer = ValidatorJson(set[0]) },
            locked_round = -1,
            valid_round = "-1",
            votes = new[]
            {
                new { round = "0", prevotes = Votes(set, voteHeight ?? height, 0, voting, "1(Prevote)"), prevotes_bit_array = "BA{…}", precommits = Votes(set, voteHeight ?? height, 0, new HashSet<int>(), "2(Precommit)"), precommits_bit_array = "BA{…}" },
                new { round = "1", prevotes = Votes(set, voteHeight ?? height, 1, voting, "SIGNED_MSG_TYPE_PREVOTE(Prevote)"), prevotes_bit_array = "BA{…}", precommits = Votes(set, voteHeight ?? height, 1, voting, "SIGNED_MSG_TYPE_PRECOMMIT(Precommit)"), precommits_bit_array = "BA{…}" },
            },
            commit_round = -1,
        },
        peers = Array.Empty<object>(),
    });

    private static string[] Votes(IReadOnlyList<Val> set, long height, int round, IReadOnlySet<int> voting, string type) =>
        [.. set.Select((v, i) => voting.Contains(i)
            ? $"Vote{{{i}:{v.Address[..12]} {height}/{round:00}/{type} 000000000000 64CE682305CB @ 2019-05-21T04:00:01.374703444Z}}"
            : "nil-Vote")];

    public static string SolanaVoteAccounts(IEnumerable<(string VotePubkey, string Stake)> current, IEnumerable<(string VotePubkey, string Stake)> delinquent) =>
        "{\"jsonrpc\":\"2.0\",\"result\":{\"current\":[" + string.Join(',', current.Select(Account)) + "],\"delinquent\":[" + string.Join(',', delinquent.Select(Account)) + "]},\"id\":1}";

    private static string Account((string VotePubkey, string Stake) a) =>
        $"{{\"commission\":0,\"epochVoteAccount\":true,\"epochCredits\":[[1,64,0],[2,192,64]],\"nodePubkey\":\"B97CCUW3AEZFGy6uUg6zUdnNYvnVq5VG8PUtb2HayTDD\",\"lastVote\":147,\"activatedStake\":{a.Stake},\"votePubkey\":\"{a.VotePubkey}\"}}";

    /// <summary>Cosmos SDK REST <c>/cosmos/staking/v1beta1/validators</c>, one page.</summary>
    public static string CosmosValidators(IEnumerable<(string PubKey, string Moniker)> validators, string? nextKey = null) => JsonSerializer.Serialize(new
    {
        validators = validators.Select((v, i) => new Dictionary<string, object>
        {
            ["operator_address"] = $"cosmosvaloper1{i:D10}",
            ["consensus_pubkey"] = new Dictionary<string, string> { ["@type"] = "/cosmos.crypto.ed25519.PubKey", ["key"] = v.PubKey },
            ["jailed"] = false,
            ["status"] = "BOND_STATUS_BONDED",
            ["tokens"] = "1000000",
            ["description"] = new { moniker = v.Moniker, identity = "", website = "", security_contact = "", details = "" },
        }),
        pagination = new { next_key = nextKey, total = "0" },
    });

    /// <summary>Serves <c>/validators</c> pages of <paramref name="set"/> at <paramref name="height"/>.</summary>
    public static Func<Microsoft.AspNetCore.Http.HttpContext, string, Task> ServeValidators(IReadOnlyList<Val> set, long height, int? total = null) =>
        (context, _) =>
        {
            var page = int.Parse(context.Request.Query["page"].ToString(), CultureInfo.InvariantCulture);
            return Infrastructure.FakeRpc.JsonAsync(context, ValidatorsPage(set, height, page, total: total));
        };
}
