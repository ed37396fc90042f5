using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web.Api;

/// <summary>POST /api/v1/incidents/{id}/releases and POST /api/v1/releases/{id}/publish, per API.md.</summary>
public sealed class ReleaseApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private Task<long> ReleasesOfAsync(Guid incidentId) => portal.Database.ScalarAsync<long>($"SELECT count(*) FROM releases WHERE incident_id = '{incidentId}'");

    [Theory]
    [InlineData("admin")]
    [InlineData("coredev")]
    public async Task A_core_dev_drafts_a_release_and_gets_201_draft(string role)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var client = role == "admin" ? scenario.Admin : await scenario.ClientAsync(role);
        var revision = await scenario.RevisionAsync();

        var response = await client.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(ApiScenario.Release(Api.Hotfix)));

        var release = await Api.OkAsync(response, HttpStatusCode.Created);
        var id = release.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/releases/{id}", response.Headers.Location?.ToString());
        Assert.Equal("draft", release.GetProperty("status").GetString());
        Assert.Equal(Api.Hotfix, release.GetProperty("version").GetString());
        Assert.Equal(scenario.IncidentId, release.GetProperty("incidentId").GetGuid());
        Assert.StartsWith("Upgrade to `v0.1.8-beta-hotfix`", release.GetProperty("notes").GetString(), StringComparison.Ordinal);
        var artifact = Assert.Single(release.GetProperty("artifacts").EnumerateArray());
        Assert.Equal("linux-amd64", artifact.GetProperty("platform").GetString());
        Assert.Equal(Sha, artifact.GetProperty("sha256").GetString());
        Assert.Equal(48_213_094L, artifact.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, release.GetProperty("publishedAt").ValueKind);
        Assert.Equal("Draft", await portal.Database.ScalarAsync<string>($"SELECT status FROM releases WHERE id = '{id}'"));
        Assert.True(await scenario.RevisionAsync() > revision);
        Assert.Equal("release-drafted", (await scenario.TimelineAsync())[^1].GetProperty("kind").GetString());
    }

    [Fact]
    public async Task An_uppercase_digest_is_accepted_and_stored_lowercase()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);

        var release = await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(ApiScenario.Release(Api.Hotfix, Sha.ToUpperInvariant()))), HttpStatusCode.Created);

        Assert.Equal(Sha, release.GetProperty("artifacts")[0].GetProperty("sha256").GetString());
    }

    [Theory]
    [InlineData("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0", "63 characters")]
    [InlineData("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a088", "65 characters")]
    [InlineData("zf86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "not hex")]
    [InlineData("", "empty")]
    [InlineData("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "prefixed")]
    public async Task A_bad_sha256_is_400_naming_the_artifact_and_nothing_is_drafted(string sha256, string because)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);

        var response = await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(ApiScenario.Release(Api.Hotfix, sha256)));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest, "artifacts[0].sha256");
        Assert.True(Api.ErrorFields(problem).SequenceEqual(["artifacts[0].sha256"]), because);
        Assert.Equal(0L, await ReleasesOfAsync(scenario.IncidentId));
    }

    [Fact]
    public async Task Bad_artifacts_and_a_missing_version_are_each_named()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var body = new
        {
            version = " ",
            notes = "n",
            artifacts = new object[]
            {
                new { platform = "linux-amd64", url = "https://example.org/a.tar.gz", sha256 = Sha, sizeBytes = 10 },
                new { platform = "linux-arm64", url = "ftp://example.org/b.tar.gz", sha256 = Sha, sizeBytes = 10 },
                new { platform = "darwin-arm64", url = "https://example.org/c.tar.gz", sha256 = Sha, sizeBytes = 0 },
                new { platform = "windows", url = "https://example.org/d.zip", sha256 = "nope", sizeBytes = 10 },
            },
        };

        var response = await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(body));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["artifacts[1].url", "artifacts[2].sizeBytes", "artifacts[3].sha256", "version"], Api.ErrorFields(problem));
        Assert.Equal(0L, await ReleasesOfAsync(scenario.IncidentId));
    }

    [Theory]
    [InlineData("""{"version": "v1", "artifacts": [null]}""", "a null artifact")]
    [InlineData("""{"version": "v1", "artifacts": [{"platform": "linux", "url": "https://example.org/a", "sha256": "SHA", "sizeBytes": "10"}]}""", "size as a string")]
    [InlineData("""{"version": "v1", "artifacts": [{"platform": "linux", "url": "https://example.org/a", "sha256": "SHA", "sizeBytes": 1.5}]}""", "fractional size")]
    [InlineData("""{"version": 1, "artifacts": []}""", "version as a number")]
    [InlineData("""{"version": "v1", "artifacts": {}}""", "artifacts as an object")]
    public async Task Unreadable_release_bodies_are_400_not_500(string template, string because)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);

        var response = await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(template.Replace("SHA", Sha, StringComparison.Ordinal)));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{because}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(0L, await ReleasesOfAsync(scenario.IncidentId));
    }

    [Theory]
    [InlineData("operator")]
    [InlineData("commander")]
    [InlineData("observer")]
    public async Task Only_core_devs_and_admins_draft_releases(string role)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var client = role == "operator" ? (await scenario.OperatorAsync(0)).Client : await scenario.ClientAsync(role);

        var response = await client.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(ApiScenario.Release(Api.Hotfix)));

        await Api.ProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(0L, await ReleasesOfAsync(scenario.IncidentId));
    }

    [Fact]
    public async Task A_draft_for_an_unknown_incident_is_404()
    {
        var response = await portal.CreateApiClient().PostAsync(Api.Path($"/api/v1/incidents/{Guid.NewGuid()}/releases"), Api.Json(ApiScenario.Release(Api.Hotfix)));

        await Api.ProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_second_draft_with_the_same_version_is_409()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(ApiScenario.Release(Api.Hotfix))), HttpStatusCode.Created);

        var again = await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(ApiScenario.Release(Api.Hotfix)));

        await Api.ProblemAsync(again, HttpStatusCode.Conflict);
        Assert.Equal(1L, await ReleasesOfAsync(scenario.IncidentId));
    }

    [Fact]
    public async Task Publishing_answers_200_published_with_publishedAt_and_publishing_twice_is_409()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var coredev = await scenario.ClientAsync("coredev");
        var draft = await Api.OkAsync(await coredev.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(ApiScenario.Release(Api.Hotfix))), HttpStatusCode.Created);
        var id = draft.GetProperty("id").GetGuid();
        var revision = await scenario.RevisionAsync();

        var published = await Api.OkAsync(await coredev.PostAsync(Api.Path($"/api/v1/releases/{id}/publish"), null));

        Assert.Equal(id, published.GetProperty("id").GetGuid());
        Assert.Equal("published", published.GetProperty("status").GetString());
        Assert.EndsWith("Z", published.GetProperty("publishedAt").GetString(), StringComparison.Ordinal);
        var publishedAt = published.GetProperty("publishedAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.Zero, publishedAt.Offset);
        Assert.InRange(publishedAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal("Published", await portal.Database.ScalarAsync<string>($"SELECT status FROM releases WHERE id = '{id}'"));
        Assert.True(await scenario.RevisionAsync() > revision);
        var entries = await scenario.TimelineCountAsync();
        var last = (await scenario.TimelineAsync())[^1];
        Assert.Equal("release-published", last.GetProperty("kind").GetString());
        Assert.Equal($"Release {Api.Hotfix} published.", last.GetProperty("summary").GetString());

        var twice = await coredev.PostAsync(Api.Path($"/api/v1/releases/{id}/publish"), null);

        var problem = await Api.ProblemAsync(twice, HttpStatusCode.Conflict);
        Assert.Contains("already published", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(entries, await scenario.TimelineCountAsync());
    }

    [Fact]
    public async Task A_release_without_artifacts_cannot_be_published()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var draft = await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(new { version = "v0", notes = "", artifacts = Array.Empty<object>() })), HttpStatusCode.Created);

        var response = await scenario.Admin.PostAsync(Api.Path($"/api/v1/releases/{draft.GetProperty("id").GetGuid()}/publish"), null);

        await Api.ProblemAsync(response, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Publishing_an_unknown_release_is_404_and_non_core_devs_are_403()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var draft = await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(ApiScenario.Release(Api.Hotfix))), HttpStatusCode.Created);
        var id = draft.GetProperty("id").GetGuid();

        await Api.ProblemAsync(await scenario.Admin.PostAsync(Api.Path($"/api/v1/releases/{Guid.NewGuid()}/publish"), null), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await (await scenario.OperatorAsync(0)).Client.PostAsync(Api.Path($"/api/v1/releases/{id}/publish"), null), HttpStatusCode.Forbidden);
        await Api.ProblemAsync(await (await scenario.ClientAsync("commander")).PostAsync(Api.Path($"/api/v1/releases/{id}/publish"), null), HttpStatusCode.Forbidden);
        await Api.ProblemAsync(await portal.CreateApiClient(token: null).PostAsync(Api.Path($"/api/v1/releases/{id}/publish"), null), HttpStatusCode.Unauthorized);
        Assert.Equal("Draft", await portal.Database.ScalarAsync<string>($"SELECT status FROM releases WHERE id = '{id}'"));
    }

    [Fact]
    public async Task A_superseding_release_sends_everyone_past_acknowledged_back_to_pending_and_says_so()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        await scenario.PublishReleaseAsync(Api.Hotfix);
        await scenario.ReportAllAsync("acknowledged", [0, 1, 2]);
        await scenario.ReportAllAsync("downloading", [3, 4]);
        await scenario.ReportAllAsync("upgraded", [5, 6]);
        await scenario.ReportAllAsync("ready", Enumerable.Range(7, 10));
        await Api.OkAsync(await scenario.ReportAsync(scenario.Admin, 17, "blocked", note: "snapshot corrupted"));
        var before = await scenario.QuorumAsync();
        Assert.Equal("100000000000000000000000000", before.GetProperty("readyStake").GetString());

        var draft = await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(ApiScenario.Release("v0.1.9-hotfix"))), HttpStatusCode.Created);
        var entries = await scenario.TimelineCountAsync();
        var published = await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path($"/api/v1/releases/{draft.GetProperty("id").GetGuid()}/publish"), null));

        Assert.Equal("published", published.GetProperty("status").GetString());
        for (var seat = 0; seat < 3; seat++)
        {
            Assert.Equal("Acknowledged", await scenario.StoredStateAsync(seat));
        }

        for (var seat = 3; seat < 17; seat++)
        {
            Assert.Equal("Pending", await scenario.StoredStateAsync(seat));
        }

        Assert.Equal("Blocked", await scenario.StoredStateAsync(17));
        var quorum = await scenario.QuorumAsync();
        Assert.Equal("0", quorum.GetProperty("readyStake").GetString());
        Assert.Equal("0", quorum.GetProperty("upgradedStake").GetString());
        Assert.Equal("40000000000000000000000000", quorum.GetProperty("acknowledgedStake").GetString());
        var counts = quorum.GetProperty("validators");
        Assert.Equal(20, counts.GetProperty("pending").GetInt32());
        Assert.Equal(3, counts.GetProperty("acknowledged").GetInt32());
        Assert.Equal(1, counts.GetProperty("blocked").GetInt32());
        Assert.Equal(0, counts.GetProperty("ready").GetInt32());
        Assert.True(quorum.GetProperty("revision").GetInt64() > before.GetProperty("revision").GetInt64());

        var timeline = await scenario.TimelineAsync();
        Assert.Equal(entries + 1, timeline.Length);
        var last = timeline[^1];
        Assert.Equal("release-published", last.GetProperty("kind").GetString());
        var summary = last.GetProperty("summary").GetString()!;
        Assert.Contains($"superseding {Api.Hotfix}", summary, StringComparison.Ordinal);
        Assert.Contains("14 validator(s)", summary, StringComparison.Ordinal);
        Assert.Contains("pending again", summary, StringComparison.Ordinal);

        // The reset validators report afresh from pending.
        await Api.OkAsync(await scenario.ReportAsync(scenario.Admin, 7, "ready", "v0.1.9-hotfix"));
        Assert.Equal("Ready", await scenario.StoredStateAsync(7));
    }

    [Fact]
    public async Task Get_returns_one_release_with_an_etag_and_an_unknown_one_is_404()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var observer = await scenario.ClientAsync("observer");
        var draft = await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(ApiScenario.Release(Api.Hotfix))), HttpStatusCode.Created);
        var id = draft.GetProperty("id").GetGuid();

        var response = await observer.GetAsync(Api.Path($"/api/v1/releases/{id}"));

        var release = await Api.OkAsync(response);
        Assert.Equal(id, release.GetProperty("id").GetGuid());
        Assert.Equal(scenario.IncidentId, release.GetProperty("incidentId").GetGuid());
        Assert.Equal(Api.Hotfix, release.GetProperty("version").GetString());
        Assert.Equal("draft", release.GetProperty("status").GetString());
        Assert.StartsWith("Upgrade to", release.GetProperty("notes").GetString(), StringComparison.Ordinal);
        Assert.Equal(Sha, release.GetProperty("artifacts")[0].GetProperty("sha256").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, release.GetProperty("publishedAt").ValueKind);
        Assert.Equal($"\"{release.GetProperty("contentTag").GetString()}\"", response.Headers.ETag?.ToString());
        await Api.ProblemAsync(await observer.GetAsync(Api.Path($"/api/v1/releases/{Guid.NewGuid()}")), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await portal.CreateApiClient(token: null).GetAsync(Api.Path($"/api/v1/releases/{id}")), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Publishing_with_the_etag_of_a_release_edited_since_is_409_and_publishes_nothing()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var draft = await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(ApiScenario.Release(Api.Hotfix))), HttpStatusCode.Created);
        var id = draft.GetProperty("id").GetGuid();
        var seen = (await scenario.Admin.GetAsync(Api.Path($"/api/v1/releases/{id}"))).Headers.ETag!.ToString();

        // Another core dev changes the artifact's URL after the publisher looked.
        var edited = ApiScenario.Release(Api.Hotfix);
        var body = System.Text.Json.JsonSerializer.Serialize(edited, System.Text.Json.JsonSerializerOptions.Web).Replace("github.com/CyberMiles", "evil.example", StringComparison.Ordinal);
        await Api.OkAsync(await scenario.Admin.PutAsync(Api.Path($"/api/v1/releases/{id}"), Api.Json(body)));
        var timeline = await scenario.TimelineCountAsync();

        using var stale = new HttpRequestMessage(HttpMethod.Post, Api.Path($"/api/v1/releases/{id}/publish"));
        stale.Headers.TryAddWithoutValidation("If-Match", seen);
        var problem = await Api.ProblemAsync(await scenario.Admin.SendAsync(stale), HttpStatusCode.Conflict);
        Assert.Contains("changed after you looked at it", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Draft", await portal.Database.ScalarAsync<string>($"SELECT status FROM releases WHERE id = '{id}'"));
        Assert.Equal(timeline, await scenario.TimelineCountAsync());

        using var malformed = new HttpRequestMessage(HttpMethod.Post, Api.Path($"/api/v1/releases/{id}/publish"));
        malformed.Headers.TryAddWithoutValidation("If-Match", "no quotes");
        await Api.ProblemAsync(await scenario.Admin.SendAsync(malformed), HttpStatusCode.BadRequest, "If-Match");

        var current = (await scenario.Admin.GetAsync(Api.Path($"/api/v1/releases/{id}"))).Headers.ETag!.ToString();
        Assert.NotEqual(seen, current);
        using var fresh = new HttpRequestMessage(HttpMethod.Post, Api.Path($"/api/v1/releases/{id}/publish"));
        fresh.Headers.TryAddWithoutValidation("If-Match", current);
        Assert.Equal("published", (await Api.OkAsync(await scenario.Admin.SendAsync(fresh))).GetProperty("status").GetString());
    }
}
