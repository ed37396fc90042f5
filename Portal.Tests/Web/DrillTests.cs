using System.Net;
using System.Text.Json;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Incidents;
using Rest = Portal.Tests.Web.Api.Api;

namespace Portal.Tests.Web;

/// <summary>Drills: declared with <c>drill: true</c>, marked DRILL wherever the incident shows, never among real incidents.</summary>
public sealed class DrillTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private async Task<(Guid Real, Guid Drill)> DeclareBothAsync()
    {
        var admin = portal.CreateApiClient();
        var chainId = $"drill-{Guid.NewGuid():N}"[..20];
        var network = await Rest.OkAsync(await admin.PostAsync(Rest.Path("/api/v1/networks"), Rest.Json(new { name = "Drillnet", chainId, quorum = new { numerator = 2, denominator = 3, strict = true } })), HttpStatusCode.Created);
        var networkId = network.GetProperty("id").GetGuid();
        var real = await Rest.OkAsync(await admin.PostAsync(Rest.Path("/api/v1/incidents"), Rest.Json(new { networkId, title = $"Real halt {chainId}", haltHeight = 5 })), HttpStatusCode.Created);
        var drill = await Rest.OkAsync(await admin.PostAsync(Rest.Path("/api/v1/incidents"), Rest.Json(new { networkId, title = $"Practice halt {chainId}", haltHeight = 6, drill = true })), HttpStatusCode.Created);
        Assert.False(real.GetProperty("drill").GetBoolean());
        Assert.True(drill.GetProperty("drill").GetBoolean());
        return (real.GetProperty("id").GetGuid(), drill.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task A_drill_is_declared_through_the_api_and_reads_back_as_one()
    {
        var (real, drill) = await DeclareBothAsync();
        var admin = portal.CreateApiClient();

        Assert.True((await Rest.OkAsync(await admin.GetAsync(Rest.Path($"/api/v1/incidents/{drill}")))).GetProperty("drill").GetBoolean());
        Assert.False((await Rest.OkAsync(await admin.GetAsync(Rest.Path($"/api/v1/incidents/{real}")))).GetProperty("drill").GetBoolean());
        Assert.True(await portal.Database.ScalarAsync<bool>($"SELECT is_drill FROM incidents WHERE id = '{drill}'"));

        await using var scope = portal.Services.CreateAsyncScope();
        var view = await scope.ServiceProvider.GetRequiredService<IncidentReader>().LoadAsync(drill);
        Assert.True(view!.IsDrill);
        Assert.True(view.ForPublic().IsDrill);
    }

    [Fact]
    public async Task A_drill_that_is_not_a_boolean_is_a_400_naming_the_field()
    {
        var response = await portal.CreateApiClient().PostAsync(Rest.Path("/api/v1/incidents"), Rest.Json("""{"networkId": "00000000-0000-0000-0000-000000000001", "title": "x", "haltHeight": 1, "drill": "yes"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("drill", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_home_page_lists_drills_apart_marked_and_never_among_real_incidents()
    {
        var (real, drill) = await DeclareBothAsync();

        var html = await portal.CreateClient().GetStringAsync(Rest.Path("/"));

        var drills = html.IndexOf("id=\"drills\"", StringComparison.Ordinal);
        Assert.True(drills > 0, "the home page has no drills list");
        var incidents = html[..drills];
        Assert.Contains($"/status/{real}", incidents, StringComparison.Ordinal);
        Assert.DoesNotContain($"/status/{drill}", incidents, StringComparison.Ordinal);
        Assert.Contains($"/status/{drill}", html[drills..], StringComparison.Ordinal);
        Assert.DoesNotContain($"/status/{real}", html[drills..], StringComparison.Ordinal);
        Assert.Contains(">DRILL</span>", html[drills..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_public_page_feed_and_badge_of_a_drill_say_drill_and_those_of_a_real_incident_do_not()
    {
        var (real, drill) = await DeclareBothAsync();
        var client = portal.CreateClient();

        var page = await client.GetStringAsync(Rest.Path($"/status/{drill}"));
        Assert.Contains("<title>DRILL: Practice halt", page, StringComparison.Ordinal);
        Assert.Contains("id=\"incident-drill\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"incident-drill\"", await client.GetStringAsync(Rest.Path($"/status/{real}")), StringComparison.Ordinal);

        var feed = System.Xml.Linq.XDocument.Parse(await client.GetStringAsync(Rest.Path($"/status/{drill}/feed.atom")));
        var titles = feed.Descendants().Where(e => e.Name.LocalName == "title").Select(e => e.Value).ToList();
        Assert.True(titles.Count >= 2);
        Assert.All(titles, t => Assert.StartsWith("DRILL: ", t, StringComparison.Ordinal));
        Assert.DoesNotContain("DRILL", await client.GetStringAsync(Rest.Path($"/status/{real}/feed.atom")), StringComparison.Ordinal);

        Assert.Contains("aria-label=\"DRILL quorum: ", await client.GetStringAsync(Rest.Path($"/status/{drill}/badge.svg")), StringComparison.Ordinal);
        Assert.Contains("aria-label=\"quorum: ", await client.GetStringAsync(Rest.Path($"/status/{real}/badge.svg")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openapi_document_shows_drill_on_declare_and_on_the_incident_and_the_feed_and_badge()
    {
        using var document = JsonDocument.Parse(await portal.CreateClient().GetStringAsync(Rest.Path("/openapi/v1.json")));
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        var paths = document.RootElement.GetProperty("paths");

        Assert.True(schemas.GetProperty("DeclareIncidentRequest").GetProperty("properties").TryGetProperty("drill", out _));
        Assert.True(schemas.GetProperty("IncidentResponse").GetProperty("properties").TryGetProperty("drill", out _));
        Assert.True(paths.TryGetProperty("/status/{id}/feed.atom", out var feed), string.Join(", ", paths.EnumerateObject().Select(p => p.Name)));
        Assert.True(feed.GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("application/atom+xml", out _));
        Assert.True(paths.TryGetProperty("/status/{id}/badge.svg", out _));
    }
}
