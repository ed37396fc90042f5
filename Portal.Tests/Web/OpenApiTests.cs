using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web;

/// <summary>API.md: every endpoint of the contract is also in the OpenAPI document the portal serves.</summary>
public sealed class OpenApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("post", "/api/v1/users")]
    [InlineData("post", "/api/v1/networks")]
    [InlineData("post", "/api/v1/incidents")]
    [InlineData("put", "/api/v1/incidents/{id}/validator-set")]
    [InlineData("post", "/api/v1/incidents/{id}/releases")]
    [InlineData("post", "/api/v1/releases/{id}/publish")]
    [InlineData("post", "/api/v1/incidents/{id}/validators/{key}/status")]
    [InlineData("get", "/api/v1/incidents/{id}/quorum")]
    [InlineData("get", "/api/v1/incidents/{id}/timeline")]
    [InlineData("put", "/api/v1/users/{id}")]
    [InlineData("post", "/api/v1/users/{id}/invitation")]
    public async Task The_contract_endpoint_is_in_the_openapi_document(string method, string path)
    {
        using var document = JsonDocument.Parse(await portal.CreateClient().GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));

        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty(path, out var operations), "missing path " + path + "; have: " + string.Join(", ", paths.EnumerateObject().Select(p => p.Name)));
        Assert.True(operations.TryGetProperty(method, out _), $"{path} has no {method}");
    }

    [Fact]
    public async Task Stake_fields_of_the_quorum_document_are_strings_in_the_schema()
    {
        using var document = JsonDocument.Parse(await portal.CreateClient().GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));

        var quorum = document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("QuorumDocument").GetProperty("properties");

        foreach (var field in new[] { "totalStake", "readyStake", "upgradedStake", "acknowledgedStake", "stakeNeeded" })
        {
            Assert.Equal("string", quorum.GetProperty(field).GetProperty("type").GetString());
        }
    }
}
