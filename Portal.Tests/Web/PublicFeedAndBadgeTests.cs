using System.Net;
using System.Net.Http.Headers;
using System.Xml.Linq;
using Portal.Tests.Infrastructure;
using Portal.Tests.Web.Api;
using Rest = Portal.Tests.Web.Api.Api;

namespace Portal.Tests.Web;

/// <summary><c>/status/{id}/feed.atom</c> and <c>/status/{id}/badge.svg</c>: anonymous, cacheable, public content only.</summary>
public sealed class PublicFeedAndBadgeTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private const string Note = "Secret: the archive node's disk is full";

    private async Task<ApiScenario> SeedAsync()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);
        await scenario.PublishReleaseAsync();
        await Rest.OkAsync(await scenario.ReportAsync(scenario.Admin, 0, "ready", version: Rest.Hotfix));
        await Rest.OkAsync(await scenario.ReportAsync(scenario.Admin, 1, "blocked", note: Note));
        return scenario;
    }

    [Fact]
    public async Task The_feed_is_valid_atom_with_the_public_timeline_and_no_actors_contacts_or_notes()
    {
        var scenario = await SeedAsync();

        var response = await portal.CreateClient().GetAsync(Rest.Path($"/status/{scenario.IncidentId}/feed.atom"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/atom+xml", response.Content.Headers.ContentType?.MediaType);
        var feed = XDocument.Parse(body).Root!;
        Assert.Equal(Atom + "feed", feed.Name);
        Assert.Equal($"urn:uuid:{scenario.IncidentId}", feed.Element(Atom + "id")?.Value);
        Assert.StartsWith("CVM crash halts mainnet at block 1724747", feed.Element(Atom + "title")?.Value, StringComparison.Ordinal);
        Assert.True(DateTimeOffset.TryParse(feed.Element(Atom + "updated")?.Value, System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.NotNull(feed.Element(Atom + "author")?.Element(Atom + "name"));
        Assert.Equal($"http://localhost/status/{scenario.IncidentId}/feed.atom", feed.Elements(Atom + "link").Single(l => (string?)l.Attribute("rel") == "self").Attribute("href")?.Value);

        var entries = feed.Elements(Atom + "entry").ToList();
        Assert.Equal(await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM timeline_events WHERE incident_id = '{scenario.IncidentId}'"), entries.Count);
        Assert.All(entries, e =>
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Element(Atom + "id")?.Value));
            Assert.False(string.IsNullOrWhiteSpace(e.Element(Atom + "title")?.Value));
            Assert.EndsWith("Z", e.Element(Atom + "updated")?.Value, StringComparison.Ordinal);
        });
        Assert.Equal(entries.Count, entries.Select(e => e.Element(Atom + "id")!.Value).Distinct().Count());
        Assert.StartsWith("Validator 01: pending → blocked", entries[0].Element(Atom + "content")?.Value, StringComparison.Ordinal);
        Assert.StartsWith("Declared: ", entries[^1].Element(Atom + "title")?.Value, StringComparison.Ordinal);
        Assert.DoesNotContain(Note, body, StringComparison.Ordinal);
        Assert.DoesNotContain("@example.org", body, StringComparison.Ordinal);
        // The actor of every entry here is the admin user: user names never reach the feed.
        Assert.DoesNotContain("admin", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_badge_reads_the_ready_share_against_the_threshold()
    {
        var scenario = await SeedAsync();

        var response = await portal.CreateClient().GetAsync(Rest.Path($"/status/{scenario.IncidentId}/badge.svg"));
        var svg = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
        XNamespace ns = "http://www.w3.org/2000/svg";

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ns + "svg", svg.Name);
        Assert.Equal("quorum: 33 % of 66.7 %", svg.Attribute("aria-label")?.Value);
        Assert.Equal("quorum: 33 % of 66.7 %", svg.Element(ns + "title")?.Value);
        Assert.Equal(["quorum", "33 % of 66.7 %"], svg.Descendants(ns + "text").Select(t => t.Value));

        await scenario.ReportAllAsync("ready", [1, 2]);
        var reached = XDocument.Parse(await portal.CreateClient().GetStringAsync(Rest.Path($"/status/{scenario.IncidentId}/badge.svg"))).Root!;
        Assert.Equal("quorum: 100 % of 66.7 % ✓", reached.Attribute("aria-label")?.Value);
    }

    [Theory]
    [InlineData("feed.atom")]
    [InlineData("badge.svg")]
    public async Task Both_are_public_cacheable_revalidate_with_a_304_and_change_tag_when_the_incident_changes(string file)
    {
        var scenario = await SeedAsync();
        var client = portal.CreateClient();
        var path = Rest.Path($"/status/{scenario.IncidentId}/{file}");

        var first = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(first.Headers.CacheControl?.Public);
        Assert.Equal(TimeSpan.FromSeconds(60), first.Headers.CacheControl?.MaxAge);
        Assert.NotNull(first.Content.Headers.LastModified);
        var tag = first.Headers.ETag ?? throw new Xunit.Sdk.XunitException("no ETag");

        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(tag);
        var revalidated = await client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
        Assert.Empty(await revalidated.Content.ReadAsByteArrayAsync());

        await Rest.OkAsync(await scenario.ReportAsync(scenario.Admin, 2, "acknowledged"));
        using var after = new HttpRequestMessage(HttpMethod.Get, path);
        after.Headers.IfNoneMatch.Add(tag);
        var changed = await client.SendAsync(after);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(tag, changed.Headers.ETag);
    }

    [Theory]
    [InlineData("feed.atom")]
    [InlineData("badge.svg")]
    public async Task If_Modified_Since_at_the_Last_Modified_is_a_304_and_If_None_Match_takes_precedence(string file)
    {
        var scenario = await SeedAsync();
        var client = portal.CreateClient();
        var path = Rest.Path($"/status/{scenario.IncidentId}/{file}");
        var first = await client.GetAsync(path);
        var lastModified = first.Content.Headers.LastModified ?? throw new Xunit.Sdk.XunitException("no Last-Modified");
        var tag = first.Headers.ETag ?? throw new Xunit.Sdk.XunitException("no ETag");

        async Task<HttpResponseMessage> SendAsync(DateTimeOffset? since, EntityTagHeaderValue? match = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.IfModifiedSince = since;
            if (match is not null)
            {
                request.Headers.IfNoneMatch.Add(match);
            }

            return await client.SendAsync(request);
        }

        var same = await SendAsync(lastModified);
        Assert.Equal(HttpStatusCode.NotModified, same.StatusCode);
        Assert.Empty(await same.Content.ReadAsByteArrayAsync());
        Assert.Equal(tag, same.Headers.ETag);
        Assert.Equal(HttpStatusCode.NotModified, (await SendAsync(lastModified.AddMinutes(1))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(lastModified.AddSeconds(-1))).StatusCode);
        // RFC 9110 13.1.3: with If-None-Match present, If-Modified-Since is not looked at.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(lastModified, new EntityTagHeaderValue("\"something-else\""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, (await SendAsync(lastModified.AddSeconds(-1), tag)).StatusCode);

        // A change after Last-Modified answers the copy of that time with a 200 again.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        await Rest.OkAsync(await scenario.ReportAsync(scenario.Admin, 2, "acknowledged"));
        var changed = await SendAsync(lastModified);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.True(changed.Content.Headers.LastModified > lastModified);
    }

    [Theory]
    [InlineData("feed.atom", "application/atom+xml")]
    [InlineData("badge.svg", "image/svg+xml")]
    public async Task HEAD_answers_as_GET_does_without_the_body(string file, string mediaType)
    {
        var scenario = await SeedAsync();
        var client = portal.CreateClient();
        var path = Rest.Path($"/status/{scenario.IncidentId}/{file}");
        var get = await client.GetAsync(path);
        var length = (await get.Content.ReadAsByteArrayAsync()).Length;

        var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(mediaType, head.Content.Headers.ContentType?.MediaType);
        Assert.Equal(length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
        Assert.Equal(get.Content.Headers.LastModified, head.Content.Headers.LastModified);
        Assert.True(head.Headers.CacheControl?.Public);

        using var conditional = new HttpRequestMessage(HttpMethod.Head, path);
        conditional.Headers.IfNoneMatch.Add(get.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(conditional)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, Rest.Path($"/status/{Guid.NewGuid()}/{file}")))).StatusCode);
    }

    [Theory]
    [InlineData("feed.atom")]
    [InlineData("badge.svg")]
    public async Task An_unknown_incident_is_a_404(string file)
    {
        var response = await portal.CreateClient().GetAsync(Rest.Path($"/status/{Guid.NewGuid()}/{file}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_public_page_links_the_feed_and_draws_the_stake_chart_without_script()
    {
        var scenario = await SeedAsync();

        var html = await portal.CreateClient().GetStringAsync(Rest.Path($"/status/{scenario.IncidentId}"));

        var link = System.Text.RegularExpressions.Regex.Match(html, "<link rel=\"alternate\"[^>]*>").Value;
        Assert.Matches("type=\"application/atom(\\+|&#x2B;)xml\"", link);
        Assert.Contains($"href=\"/status/{scenario.IncidentId}/feed.atom\"", link, StringComparison.Ordinal);
        Assert.Contains("<section class=\"mb-4\" id=\"stake-chart\" data-live>", html, StringComparison.Ordinal);
        Assert.Contains("ready 33.33%, upgraded 33.33%, acknowledged 66.66%; quorum needs 66.66%.", html, StringComparison.Ordinal);
        Assert.Contains("Release published", html, StringComparison.Ordinal);
        Assert.Contains("class=\"stake-line stake-ready\"", html, StringComparison.Ordinal);
    }
}
