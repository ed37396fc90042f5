using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Portal.Data.Chain;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Chain;

/// <summary>
/// CometBFT (Tendermint) RPC: <c>/validators</c> page by page, <c>/status</c>, <c>/dump_consensus_state</c>.
/// CometBFT writes int64 values as JSON strings; both strings and numbers are accepted, nothing else.
/// </summary>
public sealed partial class CometBftAdapter(ChainRpcClient rpc) : IChainAdapter
{
    public const int PerPage = 100;

    /// <summary>Enough pages for the largest set the portal takes; a node that keeps paging past it is looping.</summary>
    public const int MaxPages = (ValidatorSetInput.MaxValidators + PerPage - 1) / PerPage;

    private static readonly string[] VoteSets = ["prevotes", "precommits"];

    public ChainFamily Family => ChainFamily.CometBft;

    private sealed record Page(long Height, int Total, IReadOnlyList<ChainMember> Validators);

    /// <summary>
    /// Every page of the set at <paramref name="height"/>. The pages must agree with each other: the same height
    /// and total on each, no validator twice, no empty page before the total is reached, never more than the total.
    /// A node that breaks any of these is not trusted for any of the set.
    /// </summary>
    public async Task<ChainValidatorSet> ReadValidatorSetAsync(IReadOnlyList<Uri> rpcUrls, long height, CancellationToken cancellationToken = default)
    {
        var members = new List<ChainMember>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        int? total = null;
        for (var page = 1; ; page++)
        {
            if (page > MaxPages)
            {
                throw new ChainReadException($"The node kept paging past {MaxPages} pages of {PerPage}; the portal takes at most {ValidatorSetInput.MaxValidators} validators.");
            }

            var current = await rpc.GetAsync(rpcUrls, $"validators?height={height}&page={page}&per_page={PerPage}", ReadPage, cancellationToken);
            if (current.Height != height)
            {
                throw new ChainReadException($"Asked for the set at height {height}, the node answered with height {current.Height} (page {page}).");
            }

            if (total is null)
            {
                if (current.Total is <= 0 or > ValidatorSetInput.MaxValidators)
                {
                    throw new ChainReadException($"The node says the set has {current.Total} validators; expected 1 to {ValidatorSetInput.MaxValidators}.");
                }

                total = current.Total;
            }
            else if (current.Total != total)
            {
                throw new ChainReadException($"The node's total changed between pages ({total} on page 1, {current.Total} on page {page}).");
            }

            if (current.Validators.Count == 0)
            {
                throw new ChainReadException($"Page {page} is empty, but the node said there are {total} validators and only {members.Count} were listed.");
            }

            if (current.Validators.Count > PerPage)
            {
                throw new ChainReadException($"Page {page} lists {current.Validators.Count} validators; {PerPage} were asked for.");
            }

            foreach (var validator in current.Validators)
            {
                if (seen.TryGetValue(validator.Key, out var firstPage))
                {
                    throw new ChainReadException($"Validator {validator.Key} is listed on page {firstPage} and again on page {page}: the node repeats pages.");
                }

                seen[validator.Key] = page;
                members.Add(validator);
            }

            if (members.Count > total)
            {
                throw new ChainReadException($"The node listed {members.Count} validators but said there are {total}.");
            }

            if (members.Count == total)
            {
                return new ChainValidatorSet(height, members);
            }
        }
    }

    private static Page ReadPage(JsonElement result)
    {
        var height = Json.Int64(result, "block_height");
        var total = Json.Int64(result, "total");
        var list = Json.Array(result, "validators");
        if (Json.Optional(result, "count") is not null && Json.Int64(result, "count") != list.GetArrayLength())
        {
            throw new ChainDataException($"'count' says {Json.Int64(result, "count")} but {list.GetArrayLength()} validators are listed.");
        }

        var validators = new List<ChainMember>();
        foreach (var item in list.EnumerateArray())
        {
            var address = Address(Json.String(item, "address"));
            // Voting power is an int64 in CometBFT: never negative in a valid set, at most 2^63 - 1.
            var power = Json.Unsigned(item, "voting_power", long.MaxValue);
            validators.Add(new ChainMember(address, power));
        }

        return new Page(height, total is < 0 or > int.MaxValue ? -1 : (int)total, validators);
    }

    /// <summary>A validator address: 20 bytes as 40 hex digits, upper case as CometBFT prints it.</summary>
    public static string Address(string text) =>
        text.Length == 40 && text.All(Uri.IsHexDigit) ? text.ToUpperInvariant() : throw new ChainDataException($"{Json.Clip(text)} is not a validator address (40 hex digits).");

    public Task<ChainHead> ReadHeadAsync(IReadOnlyList<Uri> rpcUrls, CancellationToken cancellationToken = default) =>
        rpc.GetAsync(rpcUrls, "status", ReadStatus, cancellationToken);

    private static ChainHead ReadStatus(JsonElement result)
    {
        var sync = Json.Property(result, "sync_info");
        var height = Json.Int64(sync, "latest_block_height");
        if (height < 0)
        {
            throw new ChainDataException("'latest_block_height' is negative.");
        }

        DateTimeOffset? time = Json.Optional(sync, "latest_block_time") is { ValueKind: JsonValueKind.String } t
            && DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
        var catchingUp = Json.Optional(sync, "catching_up") is { ValueKind: JsonValueKind.True };
        return new ChainHead(height, time, NodeVersion(result), catchingUp);
    }

    private static string? NodeVersion(JsonElement result) =>
        Json.Optional(result, "node_info") is { } info && Json.Optional(info, "version") is { ValueKind: JsonValueKind.String } v ? Clean(v.GetString()) : null;

    /// <summary>
    /// The votes in the consensus state's vote sets at the height being decided. Each vote prints as
    /// <c>Vote{index:ADDRESSPREFIX height/round/type(Name) …}</c>, absent ones as <c>nil-Vote</c>; a vote is
    /// mapped to a validator by its index in the round state's validator list, and kept only when the address
    /// prefix agrees (otherwise by the prefix alone, when it is unique).
    /// </summary>
    public Task<ChainVotes?> ReadVotesAsync(IReadOnlyList<Uri> rpcUrls, CancellationToken cancellationToken = default) =>
        rpc.GetAsync<ChainVotes?>(rpcUrls, "dump_consensus_state", ReadConsensus, cancellationToken);

    private static ChainVotes ReadConsensus(JsonElement result)
    {
        var state = Json.Property(result, "round_state");
        var height = Json.Int64(state, "height");
        var round = (int)Math.Clamp(Json.Int64(state, "round"), 0, int.MaxValue);
        var addresses = Json.Array(Json.Property(state, "validators"), "validators").EnumerateArray().Select(v => Address(Json.String(v, "address"))).ToList();
        var votes = new List<SeenVote>();
        var unmatched = 0;
        foreach (var set in Json.Array(state, "votes").EnumerateArray())
        {
            foreach (var name in VoteSets)
            {
                if (Json.Optional(set, name) is not { ValueKind: JsonValueKind.Array } list)
                {
                    continue;
                }

                foreach (var entry in list.EnumerateArray())
                {
                    if (entry.ValueKind != JsonValueKind.String || VotePattern().Match(entry.GetString()!) is not { Success: true } match)
                    {
                        continue; // "nil-Vote": no vote from that validator yet
                    }

                    var index = int.Parse(match.Groups["index"].Value, CultureInfo.InvariantCulture);
                    var prefix = match.Groups["address"].Value.ToUpperInvariant();
                    var voteHeight = long.Parse(match.Groups["height"].Value, CultureInfo.InvariantCulture);
                    if (voteHeight != height)
                    {
                        continue;
                    }

                    var address = index < addresses.Count && addresses[index].StartsWith(prefix, StringComparison.Ordinal)
                        ? addresses[index]
                        : addresses.Where(a => a.StartsWith(prefix, StringComparison.Ordinal)).Take(2).ToList() is [var only] ? only : null;
                    if (address is null)
                    {
                        unmatched++;
                        continue;
                    }

                    votes.Add(new SeenVote(address, int.Parse(match.Groups["round"].Value, CultureInfo.InvariantCulture), match.Groups["type"].Value));
                }
            }
        }

        return new ChainVotes(height, round, votes, unmatched);
    }

    [GeneratedRegex(@"^Vote\{(?<index>\d{1,6}):(?<address>[0-9A-Fa-f]{2,40}) (?<height>\d{1,19})/(?<round>\d{1,9})/[^(\s]*\((?<type>Prevote|Precommit)\)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex VotePattern();

    public Task<NodeReport> ReadNodeAsync(Uri statusUrl, CancellationToken cancellationToken = default) =>
        rpc.GetAsync([statusUrl], "", result => new NodeReport(NodeVersion(result) ?? throw new ChainDataException("'node_info.version' is missing.")), cancellationToken);

    /// <summary>Text from a node, made safe to store and show: no control characters, at most the version column's length.</summary>
    internal static string? Clean(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var cleaned = new string([.. text.Where(c => !char.IsControl(c))]).Trim();
        if (cleaned.Length > Portal.Domain.Limits.VersionMax)
        {
            cleaned = cleaned[..Portal.Domain.Limits.VersionMax];
            if (char.IsHighSurrogate(cleaned[^1]))
            {
                cleaned = cleaned[..^1];
            }
        }

        return cleaned.Length == 0 ? null : cleaned;
    }
}
