using System.Net;
using System.Text.Json;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using Rest = Portal.Tests.Web.Api.Api;

namespace Portal.Tests.Web;

/// <summary>
/// API.md v1.1 "Public status": <c>GET /status/{id}</c>, a static page anyone may open, and
/// <c>GET /api/v1/public/incidents/{id}</c>, the same content as JSON.
/// </summary>
public sealed class PublicStatusTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string StatusNote = "Disk full on the archive node";
    private const string Contact = "pager:+81-3-5555-0101";

    /// <summary>Four validators, one contact, a published hotfix, reports in several states, one with a note.</summary>
    private async Task<ApiScenario> SeedAsync()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var rows = Enumerable.Range(0, 4).Select(i => Rest.Row(scenario.Keys[i], $"Validator {i:00}", (i + 1) + "000000000000000000000000", "Asia/Tokyo", i == 2 ? Contact : null)).ToArray();
        await Rest.OkAsync(await scenario.Admin.PutAsync(Rest.Path($"{scenario.Base}/validator-set"), Rest.Json(new { height = Rest.HaltHeight, validators = rows })));
        await scenario.PublishReleaseAsync();
        await Rest.OkAsync(await scenario.ReportAsync(scenario.Admin, 0, "ready", version: Rest.Hotfix));
        await Rest.OkAsync(await scenario.ReportAsync(scenario.Admin, 1, "blocked", note: StatusNote));
        return scenario;
    }

    [Fact]
    public async Task The_json_has_the_contract_shape_with_stakes_as_strings_and_is_cached_for_five_seconds()
    {
        var scenario = await SeedAsync();

        var response = await portal.CreateClient().GetAsync(Rest.Path($"/api/v1/public/incidents/{scenario.IncidentId}"));
        var body = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("public, max-age=5", response.Headers.CacheControl?.ToString());
        Assert.Equal(
            ["id", "title", "status", "network", "haltHeight", "quorum", "release", "snapshots", "validators"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(scenario.IncidentId, root.GetProperty("id").GetGuid());
        Assert.Equal(["name", "chainId"], root.GetProperty("network").EnumerateObject().Select(p => p.Name));
        Assert.Equal(scenario.ChainId, root.GetProperty("network").GetProperty("chainId").GetString());
        Assert.Equal(Rest.HaltHeight, root.GetProperty("haltHeight").GetInt64());

        // The quorum document, exactly as GET …/quorum gives it.
        var quorum = root.GetProperty("quorum");
        var signedInQuorum = await scenario.QuorumAsync();
        Assert.Equal(signedInQuorum.GetRawText(), quorum.GetRawText());
        Assert.Equal("10000000000000000000000000", quorum.GetProperty("totalStake").GetString());

        var validators = root.GetProperty("validators").EnumerateArray().ToList();
        Assert.Equal(4, validators.Count);
        Assert.All(validators, v => Assert.Equal(["key", "name", "state", "stake"], v.EnumerateObject().Select(p => p.Name)));
        Assert.All(validators, v => Assert.Equal(JsonValueKind.String, v.GetProperty("stake").ValueKind));
        var first = validators.Single(v => v.GetProperty("key").GetString() == scenario.Keys[0]);
        Assert.Equal("1000000000000000000000000", first.GetProperty("stake").GetString());
        Assert.Equal("ready", first.GetProperty("state").GetString());
        Assert.Equal("blocked", validators.Single(v => v.GetProperty("key").GetString() == scenario.Keys[1]).GetProperty("state").GetString());

        var release = root.GetProperty("release");
        Assert.Equal(Rest.Hotfix, release.GetProperty("version").GetString());
        Assert.Contains("Upgrade to", release.GetProperty("notes").GetString(), StringComparison.Ordinal);
        var artifact = Assert.Single(release.GetProperty("artifacts").EnumerateArray());
        Assert.Equal("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", artifact.GetProperty("sha256").GetString());
        Assert.Contains("sha256sum -c", artifact.GetProperty("verifyCommand").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, root.GetProperty("snapshots").GetArrayLength());

        Assert.DoesNotContain(StatusNote, body, StringComparison.Ordinal);
        Assert.DoesNotContain("+81-3-5555-0101", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"contact", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\"note\"", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Without_a_published_release_the_json_has_no_release_and_an_unknown_incident_is_a_404_problem()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);

        using var document = JsonDocument.Parse(await portal.CreateClient().GetStringAsync(Rest.Path($"/api/v1/public/incidents/{scenario.IncidentId}")));
        var missing = await portal.CreateClient().GetAsync(Rest.Path($"/api/v1/public/incidents/{Guid.NewGuid()}"));

        Assert.False(document.RootElement.TryGetProperty("release", out _));
        await Rest.ProblemAsync(missing, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_page_shows_the_incident_quorum_release_and_states_without_notes_contacts_or_blazor_script()
    {
        var scenario = await SeedAsync();

        var response = await portal.CreateClient().GetAsync(Rest.Path($"/status/{scenario.IncidentId}"));
        var html = await response.Content.ReadAsStringAsync();
        var text = WebUtility.HtmlDecode(html);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("id=\"quorum\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"release-version\"", html, StringComparison.Ordinal);
        Assert.Contains(Rest.Hotfix, text, StringComparison.Ordinal);
        Assert.Contains("sha256sum -c", text, StringComparison.Ordinal);
        Assert.Contains("Upgrade to", text, StringComparison.Ordinal); // release notes are public
        Assert.Contains("data-view=\"public\"", html, StringComparison.Ordinal);
        for (var i = 0; i < 4; i++)
        {
            Assert.Contains($"id=\"validator-{scenario.Keys[i]}\"", html, StringComparison.Ordinal);
            Assert.Contains($"Validator {i:00}", text, StringComparison.Ordinal);
        }

        Assert.Contains("data-state=\"blocked\"", html, StringComparison.Ordinal);

        // Figures people read: digit groups (and the unit), the exact base units only in the title.
        foreach (var figure in new[] { "ready-stake", "total-stake", "stake-needed" })
        {
            var shown = System.Text.RegularExpressions.Regex.Match(html, $"id=\"{figure}\"><span class=\"stake-amount\" title=\"[^\"]+\">([^<]+)</span>");
            Assert.True(shown.Success, figure);
            Assert.DoesNotMatch("[0-9]{4}", shown.Groups[1].Value);
        }

        Assert.DoesNotContain(StatusNote, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Contact, text, StringComparison.Ordinal);
        Assert.DoesNotContain("blazor.web.js", html, StringComparison.Ordinal);
        Assert.DoesNotContain("_framework", html, StringComparison.Ordinal);
        Assert.DoesNotContain("passkeys", html, StringComparison.Ordinal);
        Assert.Contains("incident-live", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_incident_gets_a_404_page()
    {
        var response = await portal.CreateClient().GetAsync(Rest.Path($"/status/{Guid.NewGuid()}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("There is nothing at this address", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_home_page_links_each_incident_to_its_public_page_and_its_console_view()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);

        var html = await portal.CreateClient().GetStringAsync(Rest.Path("/"));

        Assert.Contains($"href=\"/status/{scenario.IncidentId}\"", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"/incidents/{scenario.IncidentId}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("blazor.web.js", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_reference_is_served_from_this_origin_with_a_nonce_for_its_one_inline_script()
    {
        var response = await portal.CreateClient().GetAsync(Rest.Path("/api"));
        var html = await response.Content.ReadAsStringAsync();
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var nonce = System.Text.RegularExpressions.Regex.Match(policy, "script-src 'self' 'nonce-([^']+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.DoesNotContain("unsafe-inline'; style-src", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src 'self' 'unsafe-inline'", policy, StringComparison.Ordinal);
        Assert.Contains($"nonce=\"{nonce}\"", WebUtility.HtmlDecode(html), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal); // no CDN, no web fonts
        foreach (var script in System.Text.RegularExpressions.Regex.Matches(html, "<script[^>]*src=\"([^\"]+)\"").Select(m => m.Groups[1].Value))
        {
            var asset = await portal.CreateClient().GetAsync(new Uri(new Uri("http://localhost/api/"), script));
            Assert.True(asset.IsSuccessStatusCode, $"{script}: {asset.StatusCode}");
        }
    }
}
