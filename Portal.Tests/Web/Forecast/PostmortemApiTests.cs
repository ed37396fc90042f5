using System.Globalization;
using System.Net;
using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web.Api;

/// <summary>GET /api/v1/incidents/{id}/postmortem?format=md|csv|json, per API.md v1.1 "Postmortem".</summary>
public sealed class PostmortemApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static Task<HttpResponseMessage> GetAsync(ApiScenario scenario, string? format, HttpClient? client = null) =>
        (client ?? scenario.Admin).GetAsync(Api.Path($"{scenario.Base}/postmortem{(format is null ? "" : $"?format={Uri.EscapeDataString(format)}")}"));

    /// <summary>Declared, hotfix published, one operator acknowledges, 17 ready (quorum), resumed, closed.</summary>
    private static async Task<(ApiScenario Scenario, string Operator)> WholeStoryAsync(PortalFactory portal)
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        await scenario.PublishReleaseAsync();
        var (op, client) = await scenario.OperatorAsync(0);
        await Api.OkAsync(await scenario.ReportAsync(client, 0, "acknowledged"));
        await scenario.ReportAllAsync("ready", Enumerable.Range(1, 17));
        await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/status"), Api.Json(new { status = "resumed" })));
        await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/status"), Api.Json(new { status = "closed" })));
        return (scenario, op.UserName);
    }

    private static DateTimeOffset? Time(JsonElement value) =>
        value.ValueKind == JsonValueKind.Null ? null : DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Json_is_the_default_with_milestones_in_order_durations_in_seconds_each_validator_and_the_timeline()
    {
        var (scenario, _) = await WholeStoryAsync(portal);
        var observer = await scenario.ClientAsync("observer");

        var document = await Api.OkAsync(await GetAsync(scenario, null, observer));
        Assert.Equal(document.ToString(), (await Api.OkAsync(await GetAsync(scenario, "json", observer))).ToString());

        Assert.Equal(["durations", "incident", "milestones", "timeline", "validators"], document.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.False(document.GetProperty("incident").GetProperty("drill").GetBoolean());
        Assert.Equal(scenario.IncidentId, document.GetProperty("incident").GetProperty("id").GetGuid());
        var milestones = document.GetProperty("milestones");
        string[] order = ["declaredAt", "firstReleasePublishedAt", "firstAcknowledgedAt", "quorumReachedAt", "resumedAt", "closedAt"];
        Assert.Equal(order.Order(StringComparer.Ordinal), milestones.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        var times = order.Select(name => Time(milestones.GetProperty(name))!.Value).ToList();
        Assert.All(order, name => Assert.EndsWith("Z", milestones.GetProperty(name).GetString(), StringComparison.Ordinal));
        Assert.Equal(times.Order(), times);

        var durations = document.GetProperty("durations");
        Assert.Equal(JsonValueKind.Number, durations.GetProperty("declaredToFirstReleasePublished").ValueKind);
        Assert.Equal((long)Math.Floor((times[3] - times[0]).TotalSeconds), durations.GetProperty("declaredToQuorumReached").GetInt64());
        Assert.Equal((long)Math.Floor((times[4] - times[0]).TotalSeconds), durations.GetProperty("declaredToResumed").GetInt64());
        Assert.All(durations.EnumerateObject(), d => Assert.True(d.Value.GetInt64() >= 0));

        var validators = document.GetProperty("validators").EnumerateArray().ToList();
        Assert.Equal(24, validators.Count);
        var first = validators.Single(v => v.GetProperty("key").GetString() == scenario.Keys[0]);
        Assert.Equal("Validator 00", first.GetProperty("name").GetString());
        Assert.Equal(Api.CyberMilesStake, first.GetProperty("stake").GetString());
        Assert.NotNull(Time(first.GetProperty("acknowledgedAt")));
        Assert.Null(Time(first.GetProperty("readyAt")));
        Assert.Equal(JsonValueKind.Null, first.GetProperty("secondsToReady").ValueKind);
        Assert.Empty(first.GetProperty("pagedAt").EnumerateArray());
        var ready = validators.Single(v => v.GetProperty("key").GetString() == scenario.Keys[1]);
        Assert.Equal(Time(ready.GetProperty("acknowledgedAt")), Time(ready.GetProperty("readyAt")));
        Assert.True(ready.GetProperty("secondsToReady").GetInt64() >= 0);
        Assert.Equal(17, validators.Count(v => Time(v.GetProperty("readyAt")) is not null));
        Assert.Equal(6, validators.Count(v => Time(v.GetProperty("acknowledgedAt")) is null));

        var timeline = document.GetProperty("timeline").EnumerateArray().ToList();
        Assert.Equal((await scenario.TimelineAsync()).Select(e => e.ToString()), timeline.Select(e => e.ToString()));
    }

    [Fact]
    public async Task A_fresh_incident_has_null_milestones_and_durations_and_empty_lists()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var document = await Api.OkAsync(await GetAsync(scenario, "json"));

        var milestones = document.GetProperty("milestones");
        Assert.NotNull(Time(milestones.GetProperty("declaredAt")));
        Assert.All(["firstReleasePublishedAt", "firstAcknowledgedAt", "quorumReachedAt", "resumedAt", "closedAt"],
            name => Assert.Equal(JsonValueKind.Null, milestones.GetProperty(name).ValueKind));
        Assert.All(document.GetProperty("durations").EnumerateObject(), d => Assert.Equal(JsonValueKind.Null, d.Value.ValueKind));
        Assert.All(document.GetProperty("validators").EnumerateArray(), v =>
        {
            Assert.Equal(JsonValueKind.Null, v.GetProperty("acknowledgedAt").ValueKind);
            Assert.Empty(v.GetProperty("pagedAt").EnumerateArray());
        });
    }

    [Fact]
    public async Task Csv_has_one_row_per_validator_transition_with_the_header_of_the_contract()
    {
        var (scenario, op) = await WholeStoryAsync(portal);

        var response = await GetAsync(scenario, "csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(".csv", response.Content.Headers.ContentDisposition?.FileName ?? "", StringComparison.Ordinal);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("at,key,name,from,to,version,actor", lines[0]);
        Assert.Equal(18, lines.Length - 1);
        var ack = lines[1].Split(',');
        Assert.Equal([scenario.Keys[0], "Validator 00", "pending", "acknowledged", "", op], ack[1..]);
        Assert.EndsWith("Z", ack[0], StringComparison.Ordinal);
        Assert.Equal([scenario.Keys[1], "Validator 01", "pending", "ready", Api.Hotfix, "admin (on behalf of the operator)"], lines[2].Split(',')[1..]);
        Assert.Equal(17, lines.Count(l => l.Contains(",pending,ready," + Api.Hotfix + ",", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Markdown_is_a_draft_with_the_sections_the_postmortems_use()
    {
        var (scenario, _) = await WholeStoryAsync(portal);

        var response = await GetAsync(scenario, "md");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/markdown", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();

        Assert.StartsWith("# Postmortem draft: CVM crash halts mainnet at block 1724747\n", text, StringComparison.Ordinal);
        var sections = text.Split('\n').Where(l => l.StartsWith("## ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["## Summary", "## Timeline", "## Impact", "## What went well", "## What went wrong", "## Action items"], sections);
        Assert.Contains("| quorum reached |", text, StringComparison.Ordinal);
        Assert.Contains("Quorum reached: 17 of 24 validators ready", text, StringComparison.Ordinal);
        Assert.Contains("| Validator 01 | 10,000,000,000,000,000,000,000,000 |", text, StringComparison.Ordinal);
        Assert.Contains("_To fill in", text, StringComparison.Ordinal);
        Assert.DoesNotContain("DRILL", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Markdown_shows_stake_in_the_networks_unit_with_digit_grouping_while_json_keeps_base_units()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2, stake: i => i == 0 ? Api.CyberMilesStake : "1500000000000000000");
        await Api.OkAsync(await scenario.Admin.PutAsync(Api.Path($"/api/v1/networks/{scenario.NetworkId}"), Api.Json(new { decimals = 18, symbol = "CMT" })));

        var text = await (await GetAsync(scenario, "md")).Content.ReadAsStringAsync();

        Assert.Contains("| Validator 00 | 10,000,000 CMT |", text, StringComparison.Ordinal);
        Assert.Contains("| Validator 01 | 1.5 CMT |", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Api.CyberMilesStake, text, StringComparison.Ordinal);
        var json = await Api.OkAsync(await GetAsync(scenario, "json"));
        Assert.Equal([Api.CyberMilesStake, "1500000000000000000"], json.GetProperty("validators").EnumerateArray().Select(v => v.GetProperty("stake").GetString()));
    }

    [Fact]
    public async Task A_drill_says_DRILL_in_the_markdown_title_and_drill_true_in_json_and_a_real_incident_does_not()
    {
        var real = await ApiScenario.CreateAsync(portal, count: 2);
        var declared = await Api.OkAsync(await real.Admin.PostAsync(Api.Path("/api/v1/incidents"),
            Api.Json(new { networkId = real.NetworkId, title = "Practice halt", haltHeight = Api.HaltHeight + 1, drill = true })), HttpStatusCode.Created);
        var drill = $"/api/v1/incidents/{declared.GetProperty("id").GetGuid()}/postmortem";

        var drillMarkdown = await (await real.Admin.GetAsync(Api.Path(drill + "?format=md"))).Content.ReadAsStringAsync();
        Assert.StartsWith("# DRILL: Postmortem draft: Practice halt\n", drillMarkdown, StringComparison.Ordinal);
        Assert.True((await Api.OkAsync(await real.Admin.GetAsync(Api.Path(drill + "?format=json")))).GetProperty("incident").GetProperty("drill").GetBoolean());
        var csv = await (await real.Admin.GetAsync(Api.Path(drill + "?format=csv"))).Content.ReadAsStringAsync();
        Assert.Equal("at,key,name,from,to,version,actor", csv.Split("\r\n")[0]);

        var realMarkdown = await (await GetAsync(real, "md")).Content.ReadAsStringAsync();
        Assert.StartsWith("# Postmortem draft: CVM crash halts mainnet at block 1724747\n", realMarkdown, StringComparison.Ordinal);
        Assert.DoesNotContain("DRILL", realMarkdown, StringComparison.Ordinal);
        Assert.False((await Api.OkAsync(await GetAsync(real, "json"))).GetProperty("incident").GetProperty("drill").GetBoolean());
    }

    [Fact]
    public async Task A_validator_renamed_after_it_reported_keeps_its_times_and_pages_in_json_csv_and_markdown()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);
        await scenario.PublishReleaseAsync();
        await Api.OkAsync(await Api.SendAsync(scenario.Admin, HttpMethod.Post, $"{scenario.Base}/validators/{scenario.Keys[1]}/page", new { }), HttpStatusCode.Accepted);
        await Api.OkAsync(await scenario.ReportAsync(scenario.Admin, 1, "acknowledged"));
        await scenario.ReportAllAsync("ready", [1]);

        // Renamed afterwards: another incident on the network freezes a set naming the same key anew.
        var second = await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path("/api/v1/incidents"),
            Api.Json(new { networkId = scenario.NetworkId, title = "Second halt", haltHeight = Api.HaltHeight + 10 })), HttpStatusCode.Created);
        var rows = scenario.Keys.Select((k, i) => Api.Row(k, i == 1 ? "Tokyo Block Works" : $"Validator {i:00}", Api.CyberMilesStake)).ToArray();
        await Api.OkAsync(await scenario.Admin.PutAsync(Api.Path($"/api/v1/incidents/{second.GetProperty("id").GetGuid()}/validator-set"),
            Api.Json(new { height = Api.HaltHeight + 10, validators = rows })));
        Assert.Equal("Tokyo Block Works", await portal.Database.ScalarAsync<string>($"SELECT name FROM validators WHERE id = '{await scenario.ValidatorIdAsync(1)}'"));
        Assert.Contains(await scenario.TimelineAsync(), e => e.GetProperty("summary").GetString()!.StartsWith("Validator 01: pending → acknowledged", StringComparison.Ordinal));

        var document = await Api.OkAsync(await GetAsync(scenario, "json"));
        var renamed = document.GetProperty("validators").EnumerateArray().Single(v => v.GetProperty("key").GetString() == scenario.Keys[1]);
        Assert.Equal("Tokyo Block Works", renamed.GetProperty("name").GetString());
        var acknowledged = Time(renamed.GetProperty("acknowledgedAt"))!.Value;
        var ready = Time(renamed.GetProperty("readyAt"))!.Value;
        Assert.True(ready >= acknowledged);
        Assert.Equal(acknowledged, Time(document.GetProperty("milestones").GetProperty("firstAcknowledgedAt")));
        Assert.True(renamed.GetProperty("secondsToReady").GetInt64() >= 0);
        var paged = Assert.Single(renamed.GetProperty("pagedAt").EnumerateArray());
        Assert.True(Time(paged) <= acknowledged);

        var csv = (await (await GetAsync(scenario, "csv")).Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [$"{scenario.Keys[1]},Tokyo Block Works,pending,acknowledged,,admin (on behalf of the operator)", $"{scenario.Keys[1]},Tokyo Block Works,acknowledged,ready,{Api.Hotfix},admin (on behalf of the operator)"],
            csv[1..].Select(l => l[(l.IndexOf(',', StringComparison.Ordinal) + 1)..]));

        static string When(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var markdown = await (await GetAsync(scenario, "md")).Content.ReadAsStringAsync();
        var line = Assert.Single(markdown.Split('\n'), l => l.StartsWith("| Tokyo Block Works |", StringComparison.Ordinal));
        Assert.Contains($"| {When(acknowledged)} |", line, StringComparison.Ordinal);
        Assert.Contains($"| {When(ready)} |", line, StringComparison.Ordinal);
        Assert.EndsWith($"| {When(Time(paged)!.Value)} |", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("xml")]
    [InlineData("JSON")]
    [InlineData("md ")]
    [InlineData("")]
    public async Task An_unknown_format_is_a_400_problem_naming_format(string format)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);

        await Api.ProblemAsync(await GetAsync(scenario, format), HttpStatusCode.BadRequest, "format");
    }

    [Fact]
    public async Task The_postmortem_needs_a_sign_in_and_a_known_incident()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);

        Assert.Equal(HttpStatusCode.Unauthorized, (await portal.CreateApiClient(token: null).GetAsync(Api.Path($"{scenario.Base}/postmortem"))).StatusCode);
        await Api.ProblemAsync(await scenario.Admin.GetAsync(Api.Path($"/api/v1/incidents/{Guid.NewGuid()}/postmortem?format=md")), HttpStatusCode.NotFound);
    }
}
