using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Portal.Data.Chain;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Chain;

namespace Portal.Tests.Chain;

/// <summary>The chain adapters against RPC servers on loopback that answer like real nodes, or misbehave.</summary>
public sealed class ChainAdapterTests : IDisposable
{
    private const long Height = 1_724_747;
    private readonly ServiceProvider _services;

    public ChainAdapterTests()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Portal:Chain:AttemptTimeoutSeconds"] = "1",
            ["Portal:Chain:Retries"] = "1",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddChain(configuration);
        _services = services.BuildServiceProvider();
    }

    public void Dispose() => _services.Dispose();

    private IChainAdapter CometBft => _services.GetRequiredService<ChainAdapters>().For(ChainFamily.CometBft);

    private IChainAdapter Solana => _services.GetRequiredService<ChainAdapters>().For(ChainFamily.Solana);

    [Fact]
    public async Task Every_page_is_read_with_per_page_100_and_powers_are_exact()
    {
        var set = RpcShapes.Set("pages", 250, i => (1_000_000_000_000L + i).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await using var rpc = await FakeRpc.StartAsync(RpcShapes.ServeValidators(set, Height));

        var read = await CometBft.ReadValidatorSetAsync([rpc.Url], Height);

        Assert.Equal(250, read.Members.Count);
        Assert.Equal(set.Select(v => v.Address), read.Members.Select(m => m.Key));
        Assert.Equal(set.Select(v => ulong.Parse(v.Power, System.Globalization.CultureInfo.InvariantCulture)), read.Members.Select(m => m.Power));
        Assert.Equal(
            ["/validators?height=1724747&page=1&per_page=100", "/validators?height=1724747&page=2&per_page=100", "/validators?height=1724747&page=3&per_page=100"],
            rpc.Requests.ToArray());
    }

    [Fact]
    public async Task Int64_max_voting_power_is_read_exactly_and_one_more_is_refused()
    {
        var set = RpcShapes.Set("max", 3, i => i == 0 ? "9223372036854775807" : "1");
        await using var rpc = await FakeRpc.StartAsync(RpcShapes.ServeValidators(set, Height));

        var read = await CometBft.ReadValidatorSetAsync([rpc.Url], Height);
        Assert.Equal((ulong)long.MaxValue, read.Members[0].Power);

        foreach (var bad in new[] { "9223372036854775808", "-5", "1e3", "12.0", "" })
        {
            var wrong = RpcShapes.Set("max", 3, i => i == 1 ? bad : "1");
            rpc.Handler = RpcShapes.ServeValidators(wrong, Height);
            var error = await Assert.ThrowsAsync<ChainReadException>(() => CometBft.ReadValidatorSetAsync([rpc.Url], Height));
            Assert.Contains("voting_power", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(150, "listed 200 validators but said there are 150")]
    [InlineData(300, "Page 3 is empty, but the node said there are 300")]
    [InlineData(0, "has 0 validators")]
    [InlineData(20000, "has 20000 validators")]
    public async Task A_node_that_lies_about_total_is_not_trusted(int total, string expected)
    {
        var set = RpcShapes.Set("lies", 200);
        await using var rpc = await FakeRpc.StartAsync(RpcShapes.ServeValidators(set, Height, total));

        var error = await Assert.ThrowsAsync<ChainReadException>(() => CometBft.ReadValidatorSetAsync([rpc.Url], Height));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_that_repeats_the_same_page_or_changes_its_total_is_caught()
    {
        var set = RpcShapes.Set("loop", 250);
        await using var rpc = await FakeRpc.StartAsync((context, _) => FakeRpc.JsonAsync(context, RpcShapes.ValidatorsPage(set, Height, 1)));

        var repeated = await Assert.ThrowsAsync<ChainReadException>(() => CometBft.ReadValidatorSetAsync([rpc.Url], Height));
        Assert.Contains("again on page 2", repeated.Message, StringComparison.Ordinal);
        Assert.Equal(2, rpc.Requests.Count);

        rpc.Handler = (context, _) =>
        {
            var page = int.Parse(context.Request.Query["page"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
            return FakeRpc.JsonAsync(context, RpcShapes.ValidatorsPage(set, Height, page, total: page == 1 ? 250 : 251));
        };
        var changed = await Assert.ThrowsAsync<ChainReadException>(() => CometBft.ReadValidatorSetAsync([rpc.Url], Height));
        Assert.Contains("total changed between pages", changed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_set_at_another_height_is_refused()
    {
        var set = RpcShapes.Set("height", 4);
        await using var rpc = await FakeRpc.StartAsync(RpcShapes.ServeValidators(set, Height + 10));

        var error = await Assert.ThrowsAsync<ChainReadException>(() => CometBft.ReadValidatorSetAsync([rpc.Url], Height));

        Assert.Contains("answered with height 1724757", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":-1,\"result\":{\"block_height\":\"1724747\",\"validators\":[{\"address\":\"AB", "not valid JSON")]
    [InlineData("<html><body>502 Bad Gateway</body></html>", "not valid JSON")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":-1,\"result\":{\"block_height\":\"1724747\"}}", "'total' is missing")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":-1,\"result\":{\"block_height\":\"1724747\",\"total\":\"1\",\"validators\":[{\"address\":\"zz\",\"voting_power\":\"1\"}]}}", "not a validator address")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":-1,\"error\":{\"code\":-32603,\"message\":\"Internal error\",\"data\":\"height 1724747 must be less than or equal to the current blockchain height 1724000\"}}", "must be less than or equal")]
    [InlineData("[1,2,3]", "is missing")]
    public async Task Truncated_garbage_or_wrongly_shaped_answers_are_clear_errors(string body, string expected)
    {
        await using var rpc = await FakeRpc.StartAsync((context, _) => FakeRpc.JsonAsync(context, body));

        var error = await Assert.ThrowsAsync<ChainReadException>(() => CometBft.ReadValidatorSetAsync([rpc.Url], Height));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(rpc.Url.Authority, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_500_is_retried_and_a_persistent_500_is_an_error()
    {
        var set = RpcShapes.Set("500", 3);
        var calls = 0;
        await using var rpc = await FakeRpc.StartAsync((context, _) =>
            Interlocked.Increment(ref calls) == 1 ? FakeRpc.JsonAsync(context, "{}", 500) : RpcShapes.ServeValidators(set, Height)(context, ""));

        Assert.Equal(3, (await CometBft.ReadValidatorSetAsync([rpc.Url], Height)).Members.Count);
        Assert.Equal(2, calls);

        rpc.Handler = (context, _) => FakeRpc.JsonAsync(context, "{\"error\":\"boom\"}", 500);
        var error = await Assert.ThrowsAsync<ChainReadException>(() => CometBft.ReadHeadAsync([rpc.Url]));
        Assert.Contains("HTTP 500", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stalled_node_times_out_and_the_next_url_answers()
    {
        await using var stalled = await FakeRpc.StartAsync(async (context, _) => await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted));
        await using var good = await FakeRpc.StartAsync((context, _) => FakeRpc.JsonAsync(context, RpcShapes.Status(Height)));
        var clock = Stopwatch.StartNew();

        var head = await CometBft.ReadHeadAsync([stalled.Url, good.Url]);

        Assert.Equal(Height, head.Height);
        Assert.Equal("0.38.12", head.NodeVersion);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Equal(2, stalled.Requests.Count); // one attempt and one retry, each cut at the attempt timeout

        var error = await Assert.ThrowsAsync<ChainReadException>(() => CometBft.ReadHeadAsync([stalled.Url]));
        Assert.Contains("timed out", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_connection_falls_back_to_the_second_url_and_all_failing_names_each()
    {
        var closed = ClosedPort();
        var set = RpcShapes.Set("fallback", 5);
        await using var good = await FakeRpc.StartAsync(RpcShapes.ServeValidators(set, Height));

        var read = await CometBft.ReadValidatorSetAsync([closed, good.Url], Height);
        Assert.Equal(5, read.Members.Count);

        await using var garbage = await FakeRpc.StartAsync((context, _) => FakeRpc.JsonAsync(context, "not json"));
        var error = await Assert.ThrowsAsync<ChainReadException>(() => CometBft.ReadHeadAsync([closed, garbage.Url]));
        Assert.Contains("No RPC URL answered usably", error.Message, StringComparison.Ordinal);
        Assert.Contains(closed.Authority, error.Message, StringComparison.Ordinal);
        Assert.Contains(garbage.Url.Authority, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Votes_at_the_stuck_height_are_mapped_to_validators_by_index_and_address()
    {
        var set = RpcShapes.Set("votes", 6);
        await using var rpc = await FakeRpc.StartAsync((context, _) => FakeRpc.JsonAsync(context, RpcShapes.Consensus(set, Height + 1, new HashSet<int> { 0, 2, 5 })));

        var votes = await CometBft.ReadVotesAsync([rpc.Url]);

        Assert.NotNull(votes);
        Assert.Equal(Height + 1, votes.Height);
        Assert.Equal(1, votes.Round);
        Assert.Equal(new[] { set[0].Address, set[2].Address, set[5].Address }.Order(), votes.Votes.Select(v => v.Address).Distinct().Order());
        Assert.Contains(votes.Votes, v => v.Type == "Precommit" && v.Round == 1);
        Assert.Contains(votes.Votes, v => v.Type == "Prevote" && v.Round == 0);

        // Votes printed for another height (a node still catching up) are not votes at this one.
        rpc.Handler = (context, _) => FakeRpc.JsonAsync(context, RpcShapes.Consensus(set, Height + 1, new HashSet<int> { 1 }, voteHeight: Height - 3));
        Assert.Empty((await CometBft.ReadVotesAsync([rpc.Url]))!.Votes);
    }

    [Fact]
    public async Task Solana_vote_accounts_give_exact_activated_stake_and_get_slot_the_height()
    {
        await using var rpc = await FakeRpc.StartAsync((context, request) => FakeRpc.JsonAsync(context,
            request.Contains("getVoteAccounts", StringComparison.Ordinal)
                ? RpcShapes.SolanaVoteAccounts([("3ZT31jkAGhUaw8jsy4bTknwBMP8i4Eueh52By4zXcsVw", "18446744073709551615"), ("8ZjS3n4nJ1WMUVpQyV8xuvVpWT5uBaFCxZ7Ttz4PQhbK", "42")],
                    [("CertusDeBmqN8ZawdkxK5kFGMwBXdudvWHYwtNgNhvLu", "7")])
                : "{\"jsonrpc\":\"2.0\",\"result\":1234567,\"id\":1}"));

        var set = await Solana.ReadValidatorSetAsync([rpc.Url], 0);
        var head = await Solana.ReadHeadAsync([rpc.Url]);

        Assert.Equal([ulong.MaxValue, 42UL, 7UL], set.Members.Select(m => m.Power));
        Assert.Equal(1234567, head.Height);
        Assert.Null(await Solana.ReadVotesAsync([rpc.Url]));
        Assert.All(rpc.Requests.Take(1), r => Assert.Contains("\"method\":\"getVoteAccounts\"", r, StringComparison.Ordinal));
    }

    [Fact]
    public void A_consensus_address_is_the_first_20_bytes_of_sha256_of_the_ed25519_key()
    {
        // From CometBFT's RPC documentation: this key is listed with this address.
        Assert.Equal("000001E443FD237E4B616E2FA69DF4EE3D49A94F", CosmosNames.Address("/cosmos.crypto.ed25519.PubKey", "9tK9IT+FPdf2qm+5c2qaxi10sWP+3erWTKgftn2PaQM="));
        Assert.Null(CosmosNames.Address("/cosmos.crypto.secp256k1.PubKey", "9tK9IT+FPdf2qm+5c2qaxi10sWP+3erWTKgftn2PaQM="));
        Assert.Null(CosmosNames.Address("/cosmos.crypto.ed25519.PubKey", "dG9vIHNob3J0"));
    }

    [Fact]
    public async Task Monikers_are_read_page_by_page_and_a_looping_pagination_key_is_refused()
    {
        var set = RpcShapes.Set("names", 3);
        await using var rest = await FakeRpc.StartAsync((context, _) => FakeRpc.JsonAsync(context, context.Request.Query.ContainsKey("pagination.key")
            ? RpcShapes.CosmosValidators([(set[2].PubKey, "Third")])
            : RpcShapes.CosmosValidators([(set[0].PubKey, "First"), (set[1].PubKey, "Second")], nextKey: "FPoR")));
        var names = await _services.GetRequiredService<CosmosNames>().ReadAsync(rest.Url);

        Assert.Equal("First", names[set[0].Address]);
        Assert.Equal("Third", names[set[2].Address]);

        rest.Handler = (context, _) => FakeRpc.JsonAsync(context, RpcShapes.CosmosValidators([(set[0].PubKey, "First")], nextKey: "same"));
        await Assert.ThrowsAsync<ChainReadException>(() => _services.GetRequiredService<CosmosNames>().ReadAsync(rest.Url));
    }

    /// <summary>A loopback port nothing listens on.</summary>
    internal static Uri ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }
}
