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
