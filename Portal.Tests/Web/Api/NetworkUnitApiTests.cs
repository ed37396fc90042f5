using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web.Api;

/// <summary>A network's display unit (decimals and symbol): optional on POST /api/v1/networks, stored, echoed.</summary>
public sealed class NetworkUnitApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static string NewChainId() => "chain-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task A_network_keeps_its_display_unit_and_one_without_reads_in_base_units()
    {
        var cmt = await Api.OkAsync(await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json($$$"""
            {"name": "CyberMiles", "chainId": "{{{NewChainId()}}}", "decimals": 18, "symbol": "CMT"}
            """)), HttpStatusCode.Created);
        var plain = await Api.OkAsync(await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json($$$"""
            {"name": "Plain", "chainId": "{{{NewChainId()}}}"}
            """)), HttpStatusCode.Created);

        Assert.Equal(18, cmt.GetProperty("decimals").GetInt32());
        Assert.Equal("CMT", cmt.GetProperty("symbol").GetString());
        Assert.Equal(0, plain.GetProperty("decimals").GetInt32());
        Assert.Equal("", plain.GetProperty("symbol").GetString());
        Assert.Equal("18|CMT", await portal.Database.ScalarAsync<string>(
            $"SELECT concat_ws('|', unit_decimals, unit_symbol) FROM networks WHERE id = '{cmt.GetProperty("id").GetGuid()}'"));
    }

    [Theory]
    [InlineData("\"decimals\": -1", "decimals")]
    [InlineData("\"decimals\": 39", "decimals")]
    [InlineData("\"symbol\": \"C MT\"", "symbol")]
    [InlineData("\"symbol\": \"ABCDEFGHIJKLMNOPQ\"", "symbol")]
    public async Task A_unit_that_cannot_be_shown_is_400_naming_the_field(string field, string name)
    {
        var response = await portal.CreateApiClient().PostAsync(Api.Path("/api/v1/networks"), Api.Json(
            $$"""{"name": "Bad unit", "chainId": "{{NewChainId()}}", {{field}}}"""));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest, name);
        Assert.Equal([name], Api.ErrorFields(problem));
    }
}
