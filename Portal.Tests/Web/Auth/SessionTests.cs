using System.Net;
using System.Security.Claims;
using Portal.Domain;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Incidents;
using Portal.Web.Features.Releases;

namespace Portal.Tests.Web.Auth;

/// <summary>
/// A role change, disabling, sign-out or a password change counts from the next request, in every session:
/// tested with two copies of one cookie, as two browsers (or a stolen copy) would hold it.
/// </summary>
public sealed class SessionTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Signing_out_ends_every_copy_of_the_session()
    {
        var user = await TestUsers.CreateAsync(portal, ["observer"]);
        var first = portal.CreateHttpsClient();
        var cookie = await AccountForms.SignInAsync(first, user.UserName, user.Password);
        var copy = AccountForms.CopyOf(portal, cookie);
        Assert.Equal(HttpStatusCode.OK, await AccountForms.TokensPageAsync(copy));

        Assert.Equal(HttpStatusCode.Redirect, (await AccountForms.SignOutAsync(first)).StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, await AccountForms.TokensPageAsync(copy));
        Assert.Equal(HttpStatusCode.Redirect, await AccountForms.TokensPageAsync(first));
    }

    [Fact]
    public async Task Changing_the_password_ends_the_other_copies_and_keeps_the_session_that_changed_it()
    {
        var user = await TestUsers.CreateAsync(portal, ["observer"]);
        var first = portal.CreateHttpsClient();
        var copy = AccountForms.CopyOf(portal, await AccountForms.SignInAsync(first, user.UserName, user.Password));
        Assert.Equal(HttpStatusCode.OK, await AccountForms.TokensPageAsync(copy));

        var changed = await FormPost.SubmitAsync(first, "/account/password", "change-password", new Dictionary<string, string>
        {
            ["Input.Current"] = user.Password,
            ["Input.Next"] = "a brand new passphrase 42",
        });

        Assert.Contains("password-changed", await changed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, await AccountForms.TokensPageAsync(copy));
        Assert.Equal(HttpStatusCode.OK, await AccountForms.TokensPageAsync(first));
    }

    [Fact]
    public async Task Disabling_a_user_ends_their_sessions_and_tokens_at_once_and_enabling_restores_the_tokens()
    {
        var user = await TestUsers.CreateAsync(portal, ["commander"]);
        var browser = AccountForms.CopyOf(portal, await AccountForms.SignInAsync(portal.CreateHttpsClient(), user.UserName, user.Password));
        var script = portal.CreateApiClient(user.Token);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync(Api.Api.Path("/api/v1/me"))).StatusCode);

        var disabled = await Api.Api.OkAsync(await portal.CreateApiClient().PutAsync(Api.Api.Path($"/api/v1/users/{user.Id}"), Api.Api.Json(new { disabled = true })));

        Assert.True(disabled.GetProperty("disabled").GetBoolean());
        Assert.Equal(HttpStatusCode.Redirect, await AccountForms.TokensPageAsync(browser));
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync(Api.Api.Path("/api/v1/me"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await FormPost.SignInAsync(portal.CreateHttpsClient(), user.UserName, user.Password)).StatusCode); // refused: the form again

        await Api.Api.OkAsync(await portal.CreateApiClient().PutAsync(Api.Api.Path($"/api/v1/users/{user.Id}"), Api.Api.Json(new { disabled = false })));
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync(Api.Api.Path("/api/v1/me"))).StatusCode);
    }

    [Fact]
    public async Task A_commander_demoted_while_signed_in_is_refused_on_the_next_move_through_the_console_and_the_api()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);
        var browser = portal.CreateHttpsClient();
        await AccountForms.SignInAsync(browser, commander.UserName, commander.Password);
        var page = $"/incidents/{scenario.IncidentId}";
        Assert.Contains("id=\"manage\"", await browser.GetStringAsync(Api.Api.Path(page)), StringComparison.Ordinal);
        var circuit = ForgedCircuit.For(portal, StaleClaims(commander, "commander"));

        await Api.Api.OkAsync(await scenario.Admin.PutAsync(Api.Api.Path($"/api/v1/users/{commander.Id}"), Api.Api.Json("""{"roles": ["observer"]}""")));
        // An open console calls the service with the circuit's principal, its claims still saying commander: refused all the same.
        await Assert.ThrowsAsync<ForbiddenException>(() => circuit.RunAsync((IncidentService s) => s.MoveAsync(scenario.IncidentId, IncidentStatus.Fixing, null, commander.UserName)));
        var byApi = await portal.CreateApiClient(commander.Token).PostAsync(Api.Api.Path($"{scenario.Base}/status"), Api.Api.Json(new { status = "fixing" }));

        Assert.Equal(HttpStatusCode.Forbidden, byApi.StatusCode);
        Assert.Equal("Investigating", await portal.Database.ScalarAsync<string>($"SELECT status FROM incidents WHERE id = '{scenario.IncidentId}'"));
        Assert.DoesNotContain("id=\"manage\"", await browser.GetStringAsync(Api.Api.Path(page)), StringComparison.Ordinal);
    }

    /// <summary>A principal built as an old cookie would carry it: the claims say <paramref name="roles"/>.</summary>
    private static ClaimsPrincipal StaleClaims(TestUser user, params string[] roles) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()), new Claim(ClaimTypes.Name, user.UserName), .. roles.Select(r => new Claim(ClaimTypes.Role, r))],
        "stale"));

    [Fact]
    public async Task Services_check_the_roles_in_the_database_not_the_callers_claims()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var observer = await TestUsers.CreateAsync(portal, ["observer"]);
        var stale = StaleClaims(observer, "commander", "coredev", "admin");

        await using var scope = portal.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CallerAccess>().Principal = stale;
        var incidents = scope.ServiceProvider.GetRequiredService<IncidentService>();
        var releases = scope.ServiceProvider.GetRequiredService<ReleaseService>();

        await Assert.ThrowsAsync<ForbiddenException>(() => incidents.MoveAsync(scenario.IncidentId, IncidentStatus.Fixing, null, observer.UserName));
        await Assert.ThrowsAsync<ForbiddenException>(() => incidents.ReportAsync(scenario.IncidentId, scenario.Keys[0], ValidatorState.Acknowledged, null, null, stale, null));
        await Assert.ThrowsAsync<ForbiddenException>(() => releases.DraftAsync(scenario.IncidentId, "v9.9.9", "", [], observer.UserName));
        await Assert.ThrowsAsync<ForbiddenException>(() => incidents.DeclareAsync(scenario.NetworkId, "Another halt", 5, null, observer.UserName));

        Assert.Equal("Investigating", await portal.Database.ScalarAsync<string>($"SELECT status FROM incidents WHERE id = '{scenario.IncidentId}'"));
        Assert.Equal("Pending", await scenario.StoredStateAsync(0));
        Assert.Equal(0L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM releases WHERE incident_id = '{scenario.IncidentId}'"));
    }

    [Fact]
    public async Task The_same_service_call_succeeds_once_the_database_grants_the_role()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);

        await using var scope = portal.Services.CreateAsyncScope();
        // Claims that say nothing: the database's commander role is what counts.
        scope.ServiceProvider.GetRequiredService<CallerAccess>().Principal = StaleClaims(commander);
        await scope.ServiceProvider.GetRequiredService<IncidentService>().MoveAsync(scenario.IncidentId, IncidentStatus.Fixing, null, commander.UserName);

        Assert.Equal("Fixing", await portal.Database.ScalarAsync<string>($"SELECT status FROM incidents WHERE id = '{scenario.IncidentId}'"));
    }
}
