using System.Net;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;

namespace Portal.Tests.Web;

/// <summary>
/// The forms share the API's text rule (API.md v1.1): a refused value is shown beside its field, the page
/// answers 200, never 500, and nothing is saved. Posted as a browser without JavaScript would.
/// </summary>
public sealed class BadFormInputTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private async Task<HttpClient> AdminAsync()
    {
        var admin = await TestUsers.CreateAsync(portal, ["admin"]);
        var client = portal.CreateHttpsClient();
        await FormPost.SignInAsync(client, admin.UserName, admin.Password);
        return client;
    }

    [Theory]
    [InlineData("\u200B\u200B", "c-form-1", "has no visible characters")]
    [InlineData("Cyber\u0000Miles", "c-form-2", "must not contain control characters")]
    [InlineData("CyberMiles", "c\nform", "must be a single line")]
    public async Task The_network_form_shows_the_text_rule_beside_the_field(string name, string chainId, string message)
    {
        var client = await AdminAsync();
        var networks = await portal.Database.ScalarAsync<long>("SELECT count(*) FROM networks");

        var response = await FormPost.SubmitAsync(client, "/networks/new", "network", new Dictionary<string, string>
        {
            ["Input.Name"] = name, ["Input.ChainId"] = chainId, ["Input.Numerator"] = "2", ["Input.Denominator"] = "3", ["Input.Strict"] = "true",
        });
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        Assert.Equal(networks, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM networks"));
        if (name.Contains('\0', StringComparison.Ordinal))
        {
            // The framework's form binding refuses a NUL itself, before the page runs.
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var field = name.Trim().Length == 0 || name.Contains('\u200B', StringComparison.Ordinal) ? "Input.Name" : "Input.ChainId";
        Assert.Matches($"name=\"{field}\"[^>]*/>\\s*<div class=\"text-danger small\">This field {message}", html);
        Assert.Equal(networks, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM networks"));
    }

    [Theory]
    [InlineData("Acknowledged, Downloading")]
    [InlineData("1")]
    [InlineData("acknowledged")]
    public async Task The_report_form_takes_only_a_state_s_exact_name(string state)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var client = await AdminAsync();
        var revision = await scenario.RevisionAsync();

        var response = await FormPost.SubmitAsync(client, $"/incidents/{scenario.IncidentId}", "report", new Dictionary<string, string>
        {
            ["Report.Key"] = scenario.Keys[0], ["Report.State"] = state,
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Pending", await scenario.StoredStateAsync(0));
        Assert.Equal(revision, await scenario.RevisionAsync());
    }
}
