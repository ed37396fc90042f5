using System.Net;
using Portal.Data.Identity;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;

namespace Portal.Tests.Web.Forecast;

/// <summary>
/// The console's postmortem downloads at /incidents/{id}/postmortem: the API's documents for the sign-in cookie
/// (the API takes bearer tokens only), the same format check, and nothing for a visitor who is not signed in.
/// </summary>
public sealed class PostmortemDownloadTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task A_signed_in_browser_downloads_the_same_document_as_the_api_and_a_visitor_is_sent_to_sign_in()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);
        await Api.Api.OkAsync(await scenario.ReportAsync(scenario.Admin, 0, "acknowledged"));
        var commander = await TestUsers.CreateAsync(portal, [Roles.Commander]);
        var browser = portal.CreateHttpsClient();
        await FormPost.SignInAsync(browser, commander.UserName, commander.Password);
        var path = $"/incidents/{scenario.IncidentId}/postmortem";

        var markdown = await browser.GetAsync(new Uri($"{path}?format=md", UriKind.Relative));
        var fromApi = await scenario.Admin.GetAsync(Api.Api.Path($"/api/v1/incidents/{scenario.IncidentId}/postmortem?format=md"));

        Assert.Equal(HttpStatusCode.OK, markdown.StatusCode);
        Assert.Equal("text/markdown", markdown.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"postmortem-{scenario.IncidentId:N}.md", markdown.Content.Headers.ContentDisposition?.FileNameStar ?? markdown.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal(await fromApi.Content.ReadAsStringAsync(), await markdown.Content.ReadAsStringAsync());

        var bad = await browser.GetAsync(new Uri($"{path}?format=xml", UriKind.Relative));
        await Api.Api.ProblemAsync(bad, HttpStatusCode.BadRequest, "format");

        var unknown = await browser.GetAsync(new Uri($"/incidents/{Guid.NewGuid()}/postmortem?format=md", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var visitor = portal.CreateHttpsClient();
        var signedOut = await visitor.GetAsync(new Uri($"{path}?format=json", UriKind.Relative));
        Assert.NotEqual(HttpStatusCode.OK, signedOut.StatusCode);
        Assert.DoesNotContain("milestones", await signedOut.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
