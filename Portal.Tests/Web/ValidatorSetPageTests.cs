using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web;

/// <summary>
/// Who may open the validator set page. What it does is driven in Chromium: Browser/IncidentSetupBrowserTests.
/// </summary>
public sealed class ValidatorSetPageTests(DemoPortalFactory portal) : IClassFixture<DemoPortalFactory>
{
    [Fact]
    public async Task Operators_cannot_open_the_page()
    {
        var op = await TestUsers.CreateAsync(portal, ["operator"]);
        var client = portal.CreateHttpsClient();
        await FormPost.SignInAsync(client, op.UserName, op.Password);
        var incident = await DemoIncident.LoadAsync(portal);

        var response = await client.GetAsync(new Uri($"/incidents/{incident.Id}/validator-set", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/account/denied", response.Headers.Location!.ToString(), StringComparison.Ordinal);
    }
}
