using System.Diagnostics;
using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web;

/// <summary>API.md: every endpoint of the contract is also in the OpenAPI document the portal serves.</summary>
public sealed class OpenApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("post", "/api/v1/users")]
    [InlineData("post", "/api/v1/networks")]
    [InlineData("get", "/api/v1/networks/{id}")]
    [InlineData("post", "/api/v1/incidents")]
    [InlineData("put", "/api/v1/incidents/{id}/validator-set")]
    [InlineData("post", "/api/v1/incidents/{id}/releases")]
    [InlineData("post", "/api/v1/releases/{id}/publish")]
    [InlineData("post", "/api/v1/incidents/{id}/validators/{key}/status")]
    [InlineData("get", "/api/v1/incidents/{id}/quorum")]
    [InlineData("get", "/api/v1/incidents/{id}/timeline")]
    [InlineData("put", "/api/v1/users/{id}")]
    [InlineData("post", "/api/v1/users/{id}/invitation")]
    [InlineData("post", "/api/v1/webhooks")]
    [InlineData("get", "/api/v1/webhooks/{id}/deliveries")]
    [InlineData("delete", "/api/v1/webhooks/{id}")]
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

    [Fact]
    public async Task The_served_document_passes_redocly_lint_with_the_recommended_rules()
    {
        var json = await portal.CreateClient().GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        var file = Path.Combine(Path.GetTempPath(), $"portal-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, json);
        try
        {
            var start = new ProcessStartInfo(TestEnvironment.Redocly)
            {
                ArgumentList = { "lint", "--extends", "recommended", "--format", "json", file },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Path.GetTempPath(),
            };
            start.Environment["REDOCLY_TELEMETRY"] = "off";
            start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
            using var lint = Process.Start(start)!;
            var output = lint.StandardOutput.ReadToEndAsync();
            var errors = lint.StandardError.ReadToEndAsync();
            await lint.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

            using var report = JsonDocument.Parse(await output);
            var problems = report.RootElement.GetProperty("problems").EnumerateArray()
                .Where(p => p.GetProperty("severity").GetString() == "error")
                .Select(p => $"{p.GetProperty("ruleId").GetString()}: {p.GetProperty("message").GetString()} at {string.Join(" ", p.GetProperty("location").EnumerateArray().Select(l => l.GetProperty("pointer").GetString()))}")
                .ToList();
            Assert.True(problems.Count == 0, $"{problems.Count} redocly errors:\n{string.Join("\n", problems)}\n{await errors}");
            Assert.Equal(0, report.RootElement.GetProperty("totals").GetProperty("errors").GetInt32());
            Assert.Equal(0, lint.ExitCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Every_operation_has_a_summary_security_and_its_errors_as_problem_json()
    {
        using var document = JsonDocument.Parse(await portal.CreateClient().GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var root = document.RootElement;

        Assert.Equal("bearer", root.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var where = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var op = operation.Value;
                Assert.False(string.IsNullOrWhiteSpace(op.GetProperty("summary").GetString()), where + " has no summary");
                var security = op.GetProperty("security");
                var responses = op.GetProperty("responses").EnumerateObject().ToList();
                Assert.Contains(responses, r => r.Name.StartsWith('4'));
                if (path.Name.StartsWith("/api/v1/public/", StringComparison.Ordinal) || path.Name.StartsWith("/status/", StringComparison.Ordinal))
                {
                    Assert.Equal(0, security.GetArrayLength());
                }
                else
                {
                    Assert.True(security[0].TryGetProperty("bearer", out _), where + " does not require the bearer scheme");
                    Assert.Contains(responses, r => r.Name == "401");
                    Assert.Contains(responses, r => r.Name == "403");
                }

                foreach (var error in responses.Where(r => r.Name[0] is '4' or '5'))
                {
                    Assert.Equal(["application/problem+json"], error.Value.GetProperty("content").EnumerateObject().Select(c => c.Name));
                }
            }
        }
    }

    [Fact]
    public async Task Every_stake_field_in_the_schemas_is_a_string()
    {
        using var document = JsonDocument.Parse(await portal.CreateClient().GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var stakes = new List<string>();

        foreach (var schema in document.RootElement.GetProperty("components").GetProperty("schemas").EnumerateObject())
        {
            if (!schema.Value.TryGetProperty("properties", out var properties))
            {
                continue;
            }

            foreach (var property in properties.EnumerateObject().Where(p => p.Name.Contains("stake", StringComparison.OrdinalIgnoreCase)))
            {
                stakes.Add(schema.Name + "." + property.Name);
                var type = property.Value.GetProperty("type");
                var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()).ToList() : [type.GetString()];
                Assert.True(types.Contains("string") && !types.Contains("integer") && !types.Contains("number"), $"{schema.Name}.{property.Name} is {type}");
            }
        }

        Assert.Contains("PublicValidator.stake", stakes);
        Assert.Contains("QuorumDocument.totalStake", stakes);
    }
}
