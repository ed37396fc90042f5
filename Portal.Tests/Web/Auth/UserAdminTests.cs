using System.Net;
using System.Text.Json;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using static Portal.Tests.Web.Api.Api;

namespace Portal.Tests.Web.Auth;

/// <summary>PUT /api/v1/users/{id}, re-invitations, invitationUrl and the last admin (API.md v1.1).</summary>
public sealed class UserAdminTests(UserAdminTests.Portal portal) : IClassFixture<UserAdminTests.Portal>
{
    public sealed class Portal : PortalFactory
    {
        public const string PublicUrl = "https://portal.example.org";

        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Portal:PublicUrl", PublicUrl + "/")];
    }

    private static readonly string[] Observer = ["observer"];
    private static readonly string[] Operator = ["operator"];

    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    /// <summary>The loser of a race: its token's user was disabled (401), it is no longer an admin (403), or it would leave none (409).</summary>
    private static readonly int[] Refusals = [401, 403, 409];

    private async Task<long> EnabledAdminsAsync() => await portal.Database.ScalarAsync<long>(
        "SELECT count(*) FROM user_roles ur JOIN roles r ON r.id = ur.role_id JOIN users u ON u.id = ur.user_id WHERE r.name = 'admin' AND u.disabled_at IS NULL");

    [Fact]
    public async Task Created_users_get_an_absolute_single_use_invitation_url_from_the_public_url()
    {
        var created = await OkAsync(await portal.CreateApiClient().PostAsync(Path("/api/v1/users"), Json(new { userName = "invitee-" + Guid.NewGuid().ToString("N")[..6], roles = Observer })), HttpStatusCode.Created);
        var url = new Uri(created.GetProperty("invitationUrl").GetString()!);
        var browser = portal.CreateHttpsClient();

        Assert.Equal(Portal.PublicUrl + "/account/accept-invitation", url.GetLeftPart(UriPartial.Path));
        var form = await browser.GetStringAsync(Path(url.PathAndQuery));
        Assert.Contains("new-password", form, StringComparison.Ordinal);
        var accepted = await FormPost.SubmitAsync(browser, url.PathAndQuery, "accept", new Dictionary<string, string> { ["Input.Password"] = "my first passphrase", ["Input.Confirm"] = "my first passphrase" });
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        Assert.Contains("invitation-error", await portal.CreateHttpsClient().GetStringAsync(Path(url.PathAndQuery)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_changes_roles_and_bindings_and_the_users_token_sees_it_on_the_next_request()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);
        var user = await TestUsers.CreateAsync(portal, ["observer"]);
        var script = portal.CreateApiClient(user.Token);
        Assert.Equal(HttpStatusCode.Forbidden, (await scenario.ReportAsync(script, 1, "acknowledged")).StatusCode);

        var updated = await OkAsync(await scenario.Admin.PutAsync(Path($"/api/v1/users/{user.Id}"), Json(new
        {
            roles = Operator,
            validators = new[] { new { networkId = scenario.NetworkId, key = scenario.Keys[1] } },
        })));

        Assert.Equal(["operator"], updated.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(scenario.Keys[1], updated.GetProperty("validators")[0].GetProperty("key").GetString());
        Assert.Equal(HttpStatusCode.OK, (await scenario.ReportAsync(script, 1, "acknowledged")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await scenario.ReportAsync(script, 2, "acknowledged")).StatusCode);
    }

    [Theory]
    [InlineData("""{"roles": []}""", "roles")]
    [InlineData("""{"roles": ["superuser"]}""", "roles")]
    [InlineData("""{"roles": ["observer"], "validators": [{"networkId": "00000000-0000-0000-0000-000000000001", "key": "nope"}]}""", "validators[0]")]
    public async Task Invalid_changes_are_400_with_the_field_named_and_change_nothing(string body, string field)
    {
        var user = await TestUsers.CreateAsync(portal, ["commander"]);
        var response = await portal.CreateApiClient().PutAsync(Path($"/api/v1/users/{user.Id}"), Json(body));

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest, field);
        Assert.Equal(JsonValueKind.Object, problem.ValueKind);
        Assert.Equal("commander", await portal.Database.ScalarAsync<string>($"SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = '{user.Id}'"));
    }

    [Fact]
    public async Task Unknown_users_are_404_and_non_admins_403()
    {
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);
        Assert.Equal(HttpStatusCode.NotFound, (await portal.CreateApiClient().PutAsync(Path($"/api/v1/users/{Guid.NewGuid()}"), Json("""{"disabled": true}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await portal.CreateApiClient(commander.Token).PutAsync(Path($"/api/v1/users/{commander.Id}"), Json("""{"roles": ["admin"]}"""))).StatusCode);
    }

    [Fact]
    public async Task A_reinvitation_gives_a_new_link_and_the_old_one_stops_working()
    {
        var created = await OkAsync(await portal.CreateApiClient().PostAsync(Path("/api/v1/users"), Json(new { userName = "lost-link-" + Guid.NewGuid().ToString("N")[..6], roles = Observer })), HttpStatusCode.Created);
        var first = new Uri(created.GetProperty("invitationUrl").GetString()!).PathAndQuery;

        var again = await OkAsync(await portal.CreateApiClient().PostAsync(Path($"/api/v1/users/{created.GetProperty("id").GetGuid()}/invitation"), null));
        var second = new Uri(again.GetProperty("invitationUrl").GetString()!).PathAndQuery;

        Assert.Contains("invitation-error", await portal.CreateHttpsClient().GetStringAsync(Path(first)), StringComparison.Ordinal);
        Assert.Contains("new-password", await portal.CreateHttpsClient().GetStringAsync(Path(second)), StringComparison.Ordinal);
        Assert.InRange(again.GetProperty("expiresAt").GetDateTimeOffset() - DateTimeOffset.UtcNow, TimeSpan.FromDays(6.9), TimeSpan.FromDays(7));
    }

    [Fact]
    public async Task The_last_admin_can_be_neither_demoted_nor_disabled()
    {
        await OneAtATime.WaitAsync();
        try
        {
            var admin = await TestUsers.CreateAsync(portal, ["admin"]);
            await portal.Database.ExecuteAsync($"UPDATE users SET disabled_at = now() WHERE id <> '{admin.Id}' AND disabled_at IS NULL AND id IN (SELECT ur.user_id FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE r.name = 'admin')");
            var client = portal.CreateApiClient(admin.Token);

            var demote = await client.PutAsync(Path($"/api/v1/users/{admin.Id}"), Json("""{"roles": ["observer"]}"""));
            var disable = await client.PutAsync(Path($"/api/v1/users/{admin.Id}"), Json("""{"disabled": true}"""));

            await ProblemAsync(demote, HttpStatusCode.Conflict);
            await ProblemAsync(disable, HttpStatusCode.Conflict);
            Assert.Equal(1L, await EnabledAdminsAsync());
        }
        finally
        {
            await portal.Database.ExecuteAsync("UPDATE users SET disabled_at = NULL");
            OneAtATime.Release();
        }
    }

    [Fact]
    public async Task Two_admins_demoting_or_disabling_each_other_at_once_leave_one_admin()
    {
        await OneAtATime.WaitAsync();
        try
        {
            var outcomes = new List<string>();
            for (var round = 0; round < 6; round++)
            {
                var a = await TestUsers.CreateAsync(portal, ["admin"]);
                var b = await TestUsers.CreateAsync(portal, ["admin"]);
                await portal.Database.ExecuteAsync($"UPDATE users SET disabled_at = now() WHERE id NOT IN ('{a.Id}', '{b.Id}') AND disabled_at IS NULL");
                var body = round % 2 == 0 ? """{"roles": ["observer"]}""" : """{"disabled": true}""";

                using var start = new Barrier(2);
                var responses = await Task.WhenAll(
                    Task.Run(async () => { start.SignalAndWait(); return await portal.CreateApiClient(a.Token).PutAsync(Path($"/api/v1/users/{b.Id}"), Json(body)); }),
                    Task.Run(async () => { start.SignalAndWait(); return await portal.CreateApiClient(b.Token).PutAsync(Path($"/api/v1/users/{a.Id}"), Json(body)); }));

                Assert.Equal(1L, await EnabledAdminsAsync());
                var statuses = responses.Select(r => (int)r.StatusCode).Order().ToList();
                Assert.Equal(200, statuses[0]);
                Assert.Contains(statuses[1], Refusals);
                outcomes.Add(string.Join("/", statuses));
                await portal.Database.ExecuteAsync("UPDATE users SET disabled_at = NULL");
            }
        }
        finally
        {
            await portal.Database.ExecuteAsync("UPDATE users SET disabled_at = NULL");
            OneAtATime.Release();
        }
    }
}
