using System.Net;
using System.Text;

namespace Portal.Tests.Web.Api;

/// <summary>
/// API.md's error conventions across the coordination endpoints: every error is <c>application/problem+json</c>
/// with a title, and no bad input is ever a 500.
/// </summary>
public sealed class ProblemDocumentTests(Infrastructure.PortalFactory portal) : IClassFixture<Infrastructure.PortalFactory>
{
    private static async Task AssertClientErrorProblemAsync(HttpResponseMessage response, string because)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{because}: {(int)response.StatusCode} {body}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{because}: {response.Content.Headers.ContentType} {body}");
    }

    [Fact]
    public async Task Unknown_routes_and_ids_that_are_not_guids_are_404_problems()
    {
        var client = portal.CreateApiClient();

        await Api.ProblemAsync(await client.GetAsync(Api.Path("/api/v1/no-such-thing")), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await client.GetAsync(Api.Path("/api/v1/incidents/not-a-guid")), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await client.GetAsync(Api.Path("/api/v1/incidents/not-a-guid/quorum")), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await client.PutAsync(Api.Path("/api/v1/incidents/123/validator-set"), Api.Json("{}")), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await client.PostAsync(Api.Path("/api/v1/releases/xyz/publish"), null), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"userName": "null-row", "roles": ["operator"], "validators": [null]}""", "a null validator reference")]
    [InlineData("""{"userName": "null-role", "roles": [null]}""", "a null role")]
    [InlineData("""{"userName": "bad-net", "roles": ["operator"], "validators": [{"networkId": "x", "key": "k"}]}""", "a network id that is not a guid")]
    public async Task Bad_user_bodies_are_400_problems_not_500s(string body, string because)
    {
        var response = await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/users"), Api.Json(body));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{because}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_wrong_method_is_a_405_problem()
    {
        var response = await portal.CreateApiClient().DeleteAsync(Api.Path("/api/v1/networks"));

        await Api.ProblemAsync(response, HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task Bodies_that_are_not_JSON_are_client_error_problems()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var client = scenario.Admin;

        using var plain = new StringContent("state=ready", Encoding.UTF8, "text/plain");
        await AssertClientErrorProblemAsync(await client.PostAsync(Api.Path($"{scenario.Base}/validators/{scenario.Keys[0]}/status"), plain), "text/plain body");

        using var empty = new StringContent("", Encoding.UTF8, "application/json");
        await Api.ProblemAsync(await client.PostAsync(Api.Path($"{scenario.Base}/validators/{scenario.Keys[0]}/status"), empty), HttpStatusCode.BadRequest);

        using var invalidUtf8 = new ByteArrayContent([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}']);
        invalidUtf8.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        await Api.ProblemAsync(await client.PostAsync(Api.Path("/api/v1/networks"), invalidUtf8), HttpStatusCode.BadRequest);

        var deep = new string('[', 5000) + new string(']', 5000);
        await Api.ProblemAsync(await client.PutAsync(Api.Path($"{scenario.Base}/validator-set"), Api.Json($$"""{"height": 1, "validators": {{deep}}}""")), HttpStatusCode.BadRequest);
        await Api.ProblemAsync(await client.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json($$"""{"version": "v1", "notes": {{deep}}}""")), HttpStatusCode.BadRequest);

        Assert.Equal("Pending", await scenario.StoredStateAsync(0));
    }

    [Fact]
    public async Task A_set_over_the_size_limit_is_a_400_problem_and_imports_nothing()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var rows = Enumerable.Range(0, 10_001).Select(i => Api.Row($"k{i}", "n", "1")).ToArray();

        var response = await scenario.Admin.PutAsync(Api.Path($"{scenario.Base}/validator-set"), Api.Json(new { height = 1, validators = rows }));

        await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(2, (await scenario.QuorumAsync()).GetProperty("validators").GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("%20")]
    [InlineData("a%2Fb")]
    [InlineData("..")]
    [InlineData("%E2%80%8B")]
    [InlineData("%27%3B%20DROP%20TABLE%20validators%3B--")]
    public async Task Odd_validator_keys_in_the_path_are_404s_not_500s(string key)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);

        var response = await portal.CreateApiClient().PostAsync(Api.Path($"{scenario.Base}/validators/{key}/status"), Api.Json("""{"state": "ready"}"""));

        await AssertClientErrorProblemAsync(response, key);
        Assert.Equal(2L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM validators WHERE network_id = '{scenario.NetworkId}'"));
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    [InlineData("Bearer vcp_")]
    public async Task Malformed_credentials_are_401_problems(string header)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var client = portal.CreateApiClient(token: null);
        using var request = new HttpRequestMessage(HttpMethod.Post, Api.Path($"{scenario.Base}/validators/{scenario.Keys[0]}/status")) { Content = Api.Json("""{"state": "ready"}""") };
        request.Headers.TryAddWithoutValidation("Authorization", header);

        var response = await client.SendAsync(request);

        await Api.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Pending", await scenario.StoredStateAsync(0));
    }

    [Fact]
    public async Task Problems_for_refusals_carry_a_detail_a_caller_can_act_on()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var (_, op) = await scenario.OperatorAsync(0);

        var forbidden = await Api.ProblemAsync(await scenario.ReportAsync(op, 1, "ready"), HttpStatusCode.Forbidden);
        var missing = await Api.ProblemAsync(await scenario.ReportAsync(op, "0xnobody", new { state = "ready" }), HttpStatusCode.NotFound);
        var unreadable = await Api.ProblemAsync(await scenario.ReportAsync(op, scenario.Keys[0], """{"state": "flying"}"""), HttpStatusCode.BadRequest);

        Assert.Equal("Not allowed", forbidden.GetProperty("title").GetString());
        Assert.Contains("bound to you", forbidden.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Not found", missing.GetProperty("title").GetString());
        Assert.Contains("0xnobody", missing.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(unreadable.GetProperty("detail").GetString()));
        Assert.DoesNotContain("Exception", unreadable.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
