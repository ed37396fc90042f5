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
    [InlineData("\u200B", "", "Invite.UserName")]
    [InlineData("{300 characters}", "", "Invite.UserName")]
    [InlineData("form-eve", "not-an-email", "Invite.Email")]
    [InlineData("form-eve", "eve@example.org\u0000", "Invite.Email")]
    public async Task The_invitation_form_refuses_bad_user_names_and_emails_beside_the_field(string userName, string email, string field)
    {
        var client = await AdminAsync();
        var users = await portal.Database.ScalarAsync<long>("SELECT count(*) FROM users");

        var response = await FormPost.SubmitAsync(client, "/admin/users", "invite", new Dictionary<string, string>
        {
            ["Invite.UserName"] = userName == "{300 characters}" ? new string('u', 300) : userName, ["Invite.Email"] = email, ["Invite.Observer"] = "true",
        });
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        Assert.Equal(users, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM users"));
        if (email.Contains('\0', StringComparison.Ordinal))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Matches($"name=\"{field}\"[^>]*/>\\s*<div class=\"text-danger small\">{(field == "Invite.Email" ? "That is not an e-mail address" : "A user name")}", html);
        Assert.Equal(users, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM users"));
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
