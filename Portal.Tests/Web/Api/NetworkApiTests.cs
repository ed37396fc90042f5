using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web.Api;

/// <summary>POST /api/v1/networks, per API.md.</summary>
public sealed class NetworkApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static string NewChainId() => "chain-" + Guid.NewGuid().ToString("N")[..10];

    private Task<long> NetworksWithAsync(string chainId) => portal.Database.ScalarAsync<long>($"SELECT count(*) FROM networks WHERE chain_id = '{chainId}'");

    [Fact]
    public async Task An_admin_creates_a_network_and_gets_201_with_its_id_and_quorum_rule()
    {
        var chainId = NewChainId();

        var response = await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json($$$"""
            {"name": "CyberMiles", "chainId": "{{{chainId}}}", "quorum": {"numerator": 2, "denominator": 3, "strict": true, "weighting": "stake"}}
            """));

        var network = await Api.OkAsync(response, HttpStatusCode.Created);
        var id = network.GetProperty("id").GetGuid();
        Assert.NotEqual(Guid.Empty, id);
        Assert.Equal($"/api/v1/networks/{id}", response.Headers.Location?.ToString());
        Assert.Equal("CyberMiles", network.GetProperty("name").GetString());
        Assert.Equal(chainId, network.GetProperty("chainId").GetString());
        var quorum = network.GetProperty("quorum");
        Assert.Equal(2, quorum.GetProperty("numerator").GetInt32());
        Assert.Equal(3, quorum.GetProperty("denominator").GetInt32());
        Assert.True(quorum.GetProperty("strict").GetBoolean());
        Assert.Equal("stake", quorum.GetProperty("weighting").GetString());
        Assert.Equal("1|2|3|t|Stake", await portal.Database.ScalarAsync<string>(
            $"SELECT concat_ws('|', count(*), min(quorum_numerator), min(quorum_denominator), bool_and(quorum_strict), min(quorum_weighting)) FROM networks WHERE id = '{id}'"));
    }

    [Fact]
    public async Task Weighting_defaults_to_stake_and_a_count_rule_is_kept_as_given()
    {
        var byDefault = await Api.OkAsync(await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json($$$"""
            {"name": "Default weighting", "chainId": "{{{NewChainId()}}}", "quorum": {"numerator": 2, "denominator": 3, "strict": true}}
            """)), HttpStatusCode.Created);
        var noQuorum = await Api.OkAsync(await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json($$$"""
            {"name": "No quorum given", "chainId": "{{{NewChainId()}}}"}
            """)), HttpStatusCode.Created);
        var byCount = await Api.OkAsync(await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json($$$"""
            {"name": "By count", "chainId": "{{{NewChainId()}}}", "quorum": {"numerator": 29, "denominator": 43, "strict": false, "weighting": "count"}}
            """)), HttpStatusCode.Created);

        Assert.Equal("stake", byDefault.GetProperty("quorum").GetProperty("weighting").GetString());
        Assert.Equal("stake", noQuorum.GetProperty("quorum").GetProperty("weighting").GetString());
        Assert.Equal(2, noQuorum.GetProperty("quorum").GetProperty("numerator").GetInt32());
        Assert.Equal(3, noQuorum.GetProperty("quorum").GetProperty("denominator").GetInt32());
        Assert.True(noQuorum.GetProperty("quorum").GetProperty("strict").GetBoolean());
        Assert.Equal("count", byCount.GetProperty("quorum").GetProperty("weighting").GetString());
        Assert.Equal(29, byCount.GetProperty("quorum").GetProperty("numerator").GetInt32());
        Assert.Equal(43, byCount.GetProperty("quorum").GetProperty("denominator").GetInt32());
        Assert.False(byCount.GetProperty("quorum").GetProperty("strict").GetBoolean());
    }

    [Theory]
    [InlineData(3, 2, true, "numerator greater than denominator")]
    [InlineData(4, 3, false, "numerator greater than denominator, inclusive")]
    [InlineData(3, 3, true, "strict n == d can never be reached")]
    [InlineData(0, 3, true, "zero numerator")]
    [InlineData(-1, 3, false, "negative numerator")]
    [InlineData(1, 0, false, "zero denominator")]
    [InlineData(1, 1_000_001, false, "denominator over the bound")]
    public async Task An_impossible_quorum_rule_is_a_400_naming_quorum_and_creates_nothing(int numerator, int denominator, bool strict, string because)
    {
        var chainId = NewChainId();

        var response = await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json($$$"""
            {"name": "Bad rule", "chainId": "{{{chainId}}}", "quorum": {"numerator": {{{numerator}}}, "denominator": {{{denominator}}}, "strict": {{{(strict ? "true" : "false")}}}}}
            """));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest, "quorum");
        Assert.True(Api.ErrorFields(problem).SequenceEqual(["quorum"]), because);
        Assert.Equal(0L, await NetworksWithAsync(chainId));
    }

    [Fact]
    public async Task Whole_set_inclusive_quorum_is_allowed()
    {
        var response = await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json($$$"""
            {"name": "All of them", "chainId": "{{{NewChainId()}}}", "quorum": {"numerator": 3, "denominator": 3, "strict": false}}
            """));

        var network = await Api.OkAsync(response, HttpStatusCode.Created);
        Assert.False(network.GetProperty("quorum").GetProperty("strict").GetBoolean());
    }

    [Fact]
    public async Task Missing_name_and_chain_id_are_both_named()
    {
        var response = await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json("""{"name": " ", "quorum": {"numerator": 2, "denominator": 3, "strict": true}}"""));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest, "name", "chainId");
        Assert.Equal(["chainId", "name"], Api.ErrorFields(problem));
    }

    [Theory]
    [InlineData("""{"name": "x", "chainId": "CHAIN", "quorum": {"numerator": 2, "denominator": 3, "strict": true, "weighting": "votes"}}""", "unknown weighting")]
    [InlineData("""{"name": "x", "chainId": "CHAIN", "quorum": {"numerator": 2, "denominator": 3, "strict": true, "weighting": 1}}""", "weighting as a number")]
    [InlineData("""{"name": "x", "chainId": "CHAIN", "quorum": {"numerator": "2", "denominator": 3, "strict": true}}""", "numerator as a string")]
    [InlineData("""{"name": "x", "chainId": "CHAIN", "quorum": {"numerator": 2.5, "denominator": 3, "strict": true}}""", "fractional numerator")]
    [InlineData("""{"name": "x", "chainId": "CHAIN", "quorum": {"numerator": 99999999999, "denominator": 3, "strict": true}}""", "numerator overflowing int")]
    [InlineData("""{"name": "x", "chainId": "CHAIN", "quorum": {"numerator": 2, "denominator": 3, "strict": "yes"}}""", "strict as a string")]
    [InlineData("""{"name": "x", "chainId": "CHAIN", "quorum": [2, 3]}""", "quorum as an array")]
    [InlineData("""{"name": "x", "chainId": "CHAIN",""", "malformed JSON")]
    [InlineData("""null""", "a null body")]
    public async Task Unreadable_bodies_are_400_problems_and_create_nothing(string template, string because)
    {
        var chainId = NewChainId();

        var response = await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json(template.Replace("CHAIN", chainId, StringComparison.Ordinal)));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{because}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(0L, await NetworksWithAsync(chainId));
    }

    [Theory]
    [InlineData("commander")]
    [InlineData("coredev")]
    [InlineData("operator")]
    [InlineData("observer")]
    public async Task Only_an_admin_may_create_a_network(string role)
    {
        var user = await TestUsers.CreateAsync(portal, [role]);
        var chainId = NewChainId();

        var response = await portal.CreateApiClient(user.Token).PostAsync(Api.Path("/api/v1/networks"), Api.Json(new { name = "Sneaky", chainId }));

        await Api.ProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(0L, await NetworksWithAsync(chainId));
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        var chainId = NewChainId();

        var response = await portal.CreateApiClient(token: null).PostAsync(Api.Path("/api/v1/networks"), Api.Json(new { name = "Anonymous", chainId }));

        await Api.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal(0L, await NetworksWithAsync(chainId));
    }

    [Fact]
    public async Task A_duplicate_chain_id_is_a_409_conflict_and_the_first_network_is_untouched()
    {
        var chainId = NewChainId();
        var first = await Api.OkAsync(await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json(new { name = "First", chainId })), HttpStatusCode.Created);

        var second = await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json(new { name = "Second", chainId, quorum = new { numerator = 1, denominator = 2, strict = false, weighting = "count" } }));

        var problem = await Api.ProblemAsync(second, HttpStatusCode.Conflict);
        Assert.Contains(chainId, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1L, await NetworksWithAsync(chainId));
        Assert.Equal("First", await portal.Database.ScalarAsync<string>($"SELECT name FROM networks WHERE id = '{first.GetProperty("id").GetGuid()}'"));
    }

    [Fact]
    public async Task Concurrent_creations_of_the_same_chain_id_give_one_201_and_409s_never_a_500()
    {
        var chainId = NewChainId();

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json(new { name = $"Racer {i}", chainId }))));

        var statuses = responses.Select(r => (int)r.StatusCode).Order().ToArray();
        Assert.Equal([201, 409, 409, 409, 409, 409], statuses);
        Assert.Equal(1L, await NetworksWithAsync(chainId));
    }
}
