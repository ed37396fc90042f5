using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web.Api;

/// <summary>DELETE /api/v1/releases/{id}: drafts only, by core developers and admins; 409 once validators may have seen it.</summary>
public sealed class ReleaseDeleteApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task A_core_dev_deletes_a_draft_and_the_timeline_says_so()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var coredev = await scenario.ClientAsync("coredev");
        var draft = await Api.OkAsync(await coredev.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(ApiScenario.Release(Api.Hotfix))), HttpStatusCode.Created);
        var id = draft.GetProperty("id").GetGuid();

        using var response = await coredev.DeleteAsync(Api.Path($"/api/v1/releases/{id}"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(0, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM releases WHERE id = '{id}'"));
        Assert.Equal("release-deleted", (await scenario.TimelineAsync())[^1].GetProperty("kind").GetString());
        using var again = await coredev.DeleteAsync(Api.Path($"/api/v1/releases/{id}"));
        await Api.ProblemAsync(again, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_published_or_withdrawn_release_is_409_and_stays()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var id = await scenario.PublishReleaseAsync();

        await Api.ProblemAsync(await scenario.Admin.DeleteAsync(Api.Path($"/api/v1/releases/{id}")), HttpStatusCode.Conflict);
        await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path($"/api/v1/releases/{id}/withdraw"), Api.Json(new { reason = "broken" })));
        await Api.ProblemAsync(await scenario.Admin.DeleteAsync(Api.Path($"/api/v1/releases/{id}")), HttpStatusCode.Conflict);

        Assert.Equal(1, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM releases WHERE id = '{id}'"));
    }

    [Theory]
    [InlineData("operator")]
    [InlineData("commander")]
    public async Task Other_roles_get_403_and_the_draft_stays(string role)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var draft = await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(ApiScenario.Release(Api.Hotfix))), HttpStatusCode.Created);
        var id = draft.GetProperty("id").GetGuid();
        var client = role == "operator" ? (await scenario.OperatorAsync(0)).Client : await scenario.ClientAsync(role);

        await Api.ProblemAsync(await client.DeleteAsync(Api.Path($"/api/v1/releases/{id}")), HttpStatusCode.Forbidden);

        Assert.Equal(1, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM releases WHERE id = '{id}'"));
    }
}
