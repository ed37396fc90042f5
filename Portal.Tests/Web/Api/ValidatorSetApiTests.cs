using System.Net;
using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web.Api;

/// <summary>PUT /api/v1/incidents/{id}/validator-set, per API.md.</summary>
public sealed class ValidatorSetApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    /// <summary>A network and an incident on it, without a validator set yet.</summary>
    private async Task<(Guid NetworkId, Guid IncidentId)> EmptyIncidentAsync()
    {
        var admin = portal.CreateApiClient();
        var network = await Api.OkAsync(await admin.PostAsync(Api.Path("/api/v1/networks"),
            Api.Json(new { name = "CyberMiles", chainId = "cybermiles-" + Guid.NewGuid().ToString("N")[..10] })), HttpStatusCode.Created);
        var networkId = network.GetProperty("id").GetGuid();
        var incident = await Api.OkAsync(await admin.PostAsync(Api.Path("/api/v1/incidents"),
            Api.Json(new { networkId, title = "CVM crash", haltHeight = Api.HaltHeight })), HttpStatusCode.Created);
        return (networkId, incident.GetProperty("id").GetGuid());
    }

    private static List<object> CyberMilesRows(string salt, int count = 24) =>
        [.. Enumerable.Range(0, count).Select(i => Api.Row(ApiScenario.KeyFor(salt, i), $"Validator {i:00}", Api.CyberMilesStake, Api.Zones[i], $"ops{i}@example.org"))];

    private static Task<HttpResponseMessage> PutSetAsync(HttpClient client, Guid incidentId, object body) =>
        client.PutAsync(Api.Path($"/api/v1/incidents/{incidentId}/validator-set"), body is string text ? Api.Json(text) : Api.Json(body));

    private Task<long> MembersAsync(Guid incidentId) => portal.Database.ScalarAsync<long>($"SELECT count(*) FROM incident_validators WHERE incident_id = '{incidentId}'");

    private Task<long> ValidatorsOnAsync(Guid networkId) => portal.Database.ScalarAsync<long>($"SELECT count(*) FROM validators WHERE network_id = '{networkId}'");

    [Fact]
    public async Task Importing_24_CyberMiles_validators_answers_the_count_and_total_stake_as_a_decimal_string()
    {
        var (networkId, incidentId) = await EmptyIncidentAsync();
        var salt = Guid.NewGuid().ToString("N");

        var response = await PutSetAsync(portal.CreateApiClient(), incidentId, new { height = Api.HaltHeight, validators = CyberMilesRows(salt) });

        var summary = await Api.OkAsync(response);
        Assert.Equal(24, summary.GetProperty("count").GetInt32());
        Assert.Equal(JsonValueKind.String, summary.GetProperty("totalStake").ValueKind);
        Assert.Equal(Api.CyberMilesTotal, summary.GetProperty("totalStake").GetString());
        Assert.Equal(24L, await MembersAsync(incidentId));
        Assert.Equal(24L, await ValidatorsOnAsync(networkId));
        Assert.Equal(Api.CyberMilesTotal, await portal.Database.ScalarAsync<string>($"SELECT sum(stake)::text FROM incident_validators WHERE incident_id = '{incidentId}'"));
        Assert.Equal(24L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM incident_validators WHERE incident_id = '{incidentId}' AND state = 'Pending'"));
        Assert.Equal("Asia/Taipei", await portal.Database.ScalarAsync<string>($"SELECT time_zone FROM validators WHERE key = '{ApiScenario.KeyFor(salt, 0)}'"));

        var incident = await Api.OkAsync(await portal.CreateApiClient().GetAsync(Api.Path($"/api/v1/incidents/{incidentId}")));
        Assert.Equal(Api.HaltHeight, incident.GetProperty("setHeight").GetInt64());
        Assert.Equal(2, incident.GetProperty("revision").GetInt64());

        var timeline = (await Api.OkAsync(await portal.CreateApiClient().GetAsync(Api.Path($"/api/v1/incidents/{incidentId}/timeline")))).EnumerateArray().ToList();
        Assert.Equal(["incident-declared", "validator-set"], timeline.Select(e => e.GetProperty("kind").GetString()));
        Assert.Contains("24 validators", timeline[1].GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Contains(Api.CyberMilesTotal, timeline[1].GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1", "negative")]
    [InlineData("1.5", "a fraction")]
    [InlineData("+5", "a sign")]
    [InlineData("1e18", "an exponent")]
    [InlineData("1,000", "a thousands separator")]
    [InlineData("", "empty")]
    [InlineData("0x10", "hexadecimal")]
    [InlineData("１２", "full-width digits")]
    [InlineData("100000000000000000000000000000000000000", "39 digits")]
    public async Task A_bad_stake_is_named_by_row_and_nothing_is_imported(string stake, string because)
    {
        var (networkId, incidentId) = await EmptyIncidentAsync();
        var rows = CyberMilesRows(Guid.NewGuid().ToString("N"));
        rows[7] = Api.Row(ApiScenario.KeyFor("bad", 7), "Singapore Relay", stake, "Asia/Singapore");

        var response = await PutSetAsync(portal.CreateApiClient(), incidentId, new { height = Api.HaltHeight, validators = rows });

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest, "validators[7].stake");
        Assert.True(Api.ErrorFields(problem).SequenceEqual(["validators[7].stake"]), because);
        Assert.Equal(0L, await MembersAsync(incidentId));
        Assert.Equal(0L, await ValidatorsOnAsync(networkId));
    }

    [Fact]
    public async Task Every_bad_row_is_named_and_nothing_is_imported()
    {
        var (networkId, incidentId) = await EmptyIncidentAsync();
        var salt = Guid.NewGuid().ToString("N");
        var rows = CyberMilesRows(salt);
        rows[3] = Api.Row(ApiScenario.KeyFor(salt, 1), "Duplicate of row 2", Api.CyberMilesStake);
        rows[5] = Api.Row(ApiScenario.KeyFor(salt, 5), "Negative", "-1");
        rows[9] = Api.Row(ApiScenario.KeyFor(salt, 9), "Martian", Api.CyberMilesStake, "Mars/Olympus");
        rows[12] = Api.Row(ApiScenario.KeyFor(salt, 12), "Windows zone", Api.CyberMilesStake, "Pacific Standard Time");
        rows[14] = Api.Row(ApiScenario.KeyFor(salt, 14), "", Api.CyberMilesStake);
        rows[16] = Api.Row("has space", "Spaced key", Api.CyberMilesStake);
        rows[18] = Api.Row(ApiScenario.KeyFor(salt, 18), "Exponent", "1e18");

        var response = await PutSetAsync(portal.CreateApiClient(), incidentId, new { height = Api.HaltHeight, validators = rows });

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(
            ["validators[12].timeZone", "validators[14].name", "validators[16].key", "validators[18].stake", "validators[3].key", "validators[5].stake", "validators[9].timeZone"],
            Api.ErrorFields(problem));
        Assert.Contains("row 2", problem.GetProperty("errors").GetProperty("validators[3].key")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("Mars/Olympus", problem.GetProperty("errors").GetProperty("validators[9].timeZone")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("nothing was imported", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0L, await MembersAsync(incidentId));
        Assert.Equal(0L, await ValidatorsOnAsync(networkId));
        Assert.Equal(1L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM timeline_events WHERE incident_id = '{incidentId}'"));
        Assert.Equal(1L, await portal.Database.ScalarAsync<long>($"SELECT revision FROM incidents WHERE id = '{incidentId}'"));
    }

    [Theory]
    [InlineData("Mars/Olympus")]
    [InlineData("Pacific Standard Time")]
    [InlineData("Tokyo Standard Time")]
    [InlineData("../../etc/passwd")]
    [InlineData("/etc/localtime")]
    [InlineData("asia/taipei/extra")]
    public async Task Unknown_and_Windows_time_zones_are_refused_as_that_rows_time_zone(string zone)
    {
        var (_, incidentId) = await EmptyIncidentAsync();
        var rows = CyberMilesRows(Guid.NewGuid().ToString("N"), 3);
        rows[2] = Api.Row(ApiScenario.KeyFor(zone, 2), "Odd zone", "1", zone);

        var response = await PutSetAsync(portal.CreateApiClient(), incidentId, new { height = Api.HaltHeight, validators = rows });

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest, "validators[2].timeZone");
        Assert.Equal(["validators[2].timeZone"], Api.ErrorFields(problem));
        Assert.Equal(0L, await MembersAsync(incidentId));
    }

    [Fact]
    public async Task A_stake_sent_as_a_JSON_number_is_400_and_nothing_is_imported()
    {
        var (networkId, incidentId) = await EmptyIncidentAsync();
        var body = $$"""
            {"height": 1724747, "validators": [
              {"key": "{{ApiScenario.KeyFor("num", 0)}}", "name": "Taipei CVM Labs", "stake": "10000000000000000000000000"},
              {"key": "{{ApiScenario.KeyFor("num", 1)}}", "name": "Beijing Chain Ops", "stake": 10000000000000000000000000}
            ]}
            """;

        var response = await PutSetAsync(portal.CreateApiClient(), incidentId, body);

        await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(0L, await MembersAsync(incidentId));
        Assert.Equal(0L, await ValidatorsOnAsync(networkId));
    }

    [Theory]
    [InlineData("""{"height": 1724747, "validators": [null]}""", "a null row")]
    [InlineData("""{"height": 1724747, "validators": [1, 2]}""", "numbers for rows")]
    [InlineData("""{"height": 1724747, "validators": {"key": "a"}}""", "an object for the array")]
    [InlineData("""{"height": "1724747", "validators": []}""", "height as a string")]
    [InlineData("""{"height": 1724747, "validators": [{"key": "a", "name": "A", "stake": "1", "timeZone": 7}]}""", "time zone as a number")]
    [InlineData("""{"height": 1724747, "validators": [{"key": "a", "name": "A", "stake": "1"}""", "malformed JSON")]
    public async Task Unreadable_sets_are_400_problems_not_500s(string body, string because)
    {
        var (_, incidentId) = await EmptyIncidentAsync();

        var response = await PutSetAsync(portal.CreateApiClient(), incidentId, body);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{because}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(0L, await MembersAsync(incidentId));
    }

    [Theory]
    [InlineData("""{"validators": []}""", "height")]
    [InlineData("""{"height": -1, "validators": []}""", "height")]
    [InlineData("""{"height": 1724747, "validators": []}""", "validators[0].key")]
    [InlineData("""{"height": 1724747}""", "validators[0].key")]
    public async Task A_missing_height_or_an_empty_set_is_a_400_naming_the_field(string body, string field)
    {
        var (_, incidentId) = await EmptyIncidentAsync();

        var response = await PutSetAsync(portal.CreateApiClient(), incidentId, body);

        await Api.ProblemAsync(response, HttpStatusCode.BadRequest, field);
        Assert.Equal(0L, await MembersAsync(incidentId));
    }

    [Fact]
    public async Task Thirty_eight_digit_stakes_are_accepted_and_summed_exactly_beyond_128_bits()
    {
        var (_, incidentId) = await EmptyIncidentAsync();
        var max = new string('9', 38);
        var salt = Guid.NewGuid().ToString("N");
        var stakes = new[] { max, max, max, max, "00000000000000000000000000000000000001", "0", "12345678901234567890123456789012345678" };
        var rows = stakes.Select((s, i) => Api.Row(ApiScenario.KeyFor(salt, i), $"Whale {i}", s)).ToArray();

        var summary = await Api.OkAsync(await PutSetAsync(portal.CreateApiClient(), incidentId, new { height = Api.HaltHeight, validators = rows }));

        const string expected = "412345678901234567890123456789012345675";
        Assert.Equal(7, summary.GetProperty("count").GetInt32());
        Assert.Equal(expected, summary.GetProperty("totalStake").GetString());
        Assert.Equal(expected, await portal.Database.ScalarAsync<string>($"SELECT sum(stake)::text FROM incident_validators WHERE incident_id = '{incidentId}'"));
        Assert.Equal(max, await portal.Database.ScalarAsync<string>($"SELECT max(stake)::text FROM incident_validators WHERE incident_id = '{incidentId}'"));
        Assert.Equal("1", await portal.Database.ScalarAsync<string>($"SELECT min(stake)::text FROM incident_validators WHERE incident_id = '{incidentId}' AND stake > 0"));

        var quorum = await Api.OkAsync(await portal.CreateApiClient().GetAsync(Api.Path($"/api/v1/incidents/{incidentId}/quorum")));
        Assert.Equal(expected, quorum.GetProperty("totalStake").GetString());
        Assert.Equal("0", quorum.GetProperty("readyStake").GetString());
        Assert.Equal("274897119267489711926748971192674897117", quorum.GetProperty("stakeNeeded").GetString());
    }

    [Fact]
    public async Task Replacing_the_set_keeps_states_of_validators_still_present_drops_the_rest_and_is_on_the_timeline()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        await scenario.ReportAllAsync("ready", [0, 1]);
        await Api.OkAsync(await scenario.ReportAsync(scenario.Admin, 3, "blocked", note: "disk full"));
        await scenario.ReportAllAsync("downloading", [23]);
        var revision = await scenario.RevisionAsync();

        // Seats 0-19 stay (seat 1 with a new stake, seat 3 renamed), 20-23 leave, two newcomers join.
        var rows = Enumerable.Range(0, 20)
            .Select(i => Api.Row(scenario.Keys[i], i == 3 ? "Hangzhou Validator Co (renamed)" : $"Validator {i:00}", i == 1 ? "20000000000000000000000000" : Api.CyberMilesStake, Api.Zones[i]))
            .Concat([Api.Row(ApiScenario.KeyFor(scenario.ChainId, 100), "Newcomer A", Api.CyberMilesStake), Api.Row(ApiScenario.KeyFor(scenario.ChainId, 101), "Newcomer B", Api.CyberMilesStake)])
            .ToArray();

        var summary = await Api.OkAsync(await scenario.Admin.PutAsync(Api.Path($"{scenario.Base}/validator-set"), Api.Json(new { height = Api.HaltHeight + 1, validators = rows })));

        Assert.Equal(22, summary.GetProperty("count").GetInt32());
        Assert.Equal("230000000000000000000000000", summary.GetProperty("totalStake").GetString());
        Assert.Equal("Ready", await scenario.StoredStateAsync(0));
        Assert.Equal("Ready", await scenario.StoredStateAsync(1));
        Assert.Equal("Pending", await scenario.StoredStateAsync(4));
        Assert.StartsWith("Blocked|-|disk full|", await scenario.StoredRowAsync(3), StringComparison.Ordinal);
        Assert.Equal("Hangzhou Validator Co (renamed)", await portal.Database.ScalarAsync<string>($"SELECT name FROM validators WHERE key = '{scenario.Keys[3]}'"));
        Assert.Equal(0L, await portal.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM incident_validators iv JOIN validators v ON v.id = iv.validator_id WHERE iv.incident_id = '{scenario.IncidentId}' AND v.key = '{scenario.Keys[23]}'"));
        Assert.Equal(2L, await portal.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM incident_validators iv JOIN validators v ON v.id = iv.validator_id WHERE iv.incident_id = '{scenario.IncidentId}' AND v.name LIKE 'Newcomer%' AND iv.state = 'Pending'"));

        var quorum = await scenario.QuorumAsync();
        Assert.Equal("230000000000000000000000000", quorum.GetProperty("totalStake").GetString());
        Assert.Equal("30000000000000000000000000", quorum.GetProperty("readyStake").GetString());
        Assert.Equal(22, quorum.GetProperty("validators").GetProperty("total").GetInt32());
        Assert.Equal(2, quorum.GetProperty("validators").GetProperty("ready").GetInt32());
        Assert.Equal(1, quorum.GetProperty("validators").GetProperty("blocked").GetInt32());
        Assert.Equal(0, quorum.GetProperty("validators").GetProperty("downloading").GetInt32());
        Assert.True(quorum.GetProperty("revision").GetInt64() > revision);

        var incident = await scenario.IncidentAsync();
        Assert.Equal(Api.HaltHeight + 1, incident.GetProperty("setHeight").GetInt64());

        var last = (await scenario.TimelineAsync())[^1];
        Assert.Equal("validator-set", last.GetProperty("kind").GetString());
        Assert.Equal("admin", last.GetProperty("actor").GetString());
        var text = last.GetProperty("summary").GetString()!;
        Assert.Contains("replaced", text, StringComparison.Ordinal);
        Assert.Contains("22 validators (was 24)", text, StringComparison.Ordinal);
        Assert.Contains("states of validators still present were kept", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rejected_replacement_leaves_the_previous_set_and_states_alone()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        await scenario.ReportAllAsync("ready", [0]);
        var revision = await scenario.RevisionAsync();
        var entries = await scenario.TimelineCountAsync();
        var rows = Enumerable.Range(0, 5).Select(i => Api.Row(scenario.Keys[i], $"Validator {i:00}", i == 4 ? "1.5" : "1")).ToArray();

        var response = await scenario.Admin.PutAsync(Api.Path($"{scenario.Base}/validator-set"), Api.Json(new { height = 1, validators = rows }));

        await Api.ProblemAsync(response, HttpStatusCode.BadRequest, "validators[4].stake");
        Assert.Equal(24L, await MembersAsync(scenario.IncidentId));
        Assert.Equal(Api.CyberMilesTotal, (await scenario.QuorumAsync()).GetProperty("totalStake").GetString());
        Assert.Equal("Ready", await scenario.StoredStateAsync(0));
        Assert.Equal(revision, await scenario.RevisionAsync());
        Assert.Equal(entries, await scenario.TimelineCountAsync());
    }

    [Fact]
    public async Task An_unknown_incident_is_404()
    {
        var response = await PutSetAsync(portal.CreateApiClient(), Guid.NewGuid(), new { height = Api.HaltHeight, validators = CyberMilesRows("unknown", 2) });

        await Api.ProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(0L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM validators WHERE key = '{ApiScenario.KeyFor("unknown", 0)}'"));
    }

    [Theory]
    [InlineData("operator")]
    [InlineData("observer")]
    [InlineData("coredev")]
    public async Task Only_commanders_and_admins_import_sets(string role)
    {
        var (_, incidentId) = await EmptyIncidentAsync();
        var user = await TestUsers.CreateAsync(portal, [role]);

        var response = await PutSetAsync(portal.CreateApiClient(user.Token), incidentId, new { height = Api.HaltHeight, validators = CyberMilesRows(Guid.NewGuid().ToString("N"), 2) });

        await Api.ProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(0L, await MembersAsync(incidentId));
    }

    [Fact]
    public async Task A_commander_may_import_and_is_the_actor_on_the_timeline()
    {
        var (_, incidentId) = await EmptyIncidentAsync();
        var commander = await TestUsers.CreateAsync(portal, ["commander"]);

        var summary = await Api.OkAsync(await PutSetAsync(portal.CreateApiClient(commander.Token), incidentId, new { height = Api.HaltHeight, validators = CyberMilesRows(Guid.NewGuid().ToString("N"), 4) }));

        Assert.Equal(4, summary.GetProperty("count").GetInt32());
        Assert.Equal(commander.UserName, await portal.Database.ScalarAsync<string>($"SELECT actor FROM timeline_events WHERE incident_id = '{incidentId}' AND kind = 'validator-set'"));
    }

    [Fact]
    public async Task Concurrent_imports_of_new_validators_on_one_network_both_succeed_without_a_500()
    {
        var admin = portal.CreateApiClient();
        var network = await Api.OkAsync(await admin.PostAsync(Api.Path("/api/v1/networks"),
            Api.Json(new { name = "Shared", chainId = "shared-" + Guid.NewGuid().ToString("N")[..10] })), HttpStatusCode.Created);
        var networkId = network.GetProperty("id").GetGuid();
        var incidents = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            var incident = await Api.OkAsync(await admin.PostAsync(Api.Path("/api/v1/incidents"), Api.Json(new { networkId, title = $"Halt {i}", haltHeight = i })), HttpStatusCode.Created);
            incidents.Add(incident.GetProperty("id").GetGuid());
        }

        var rows = CyberMilesRows(Guid.NewGuid().ToString("N"));
        var responses = await Task.WhenAll(incidents.Select(id => PutSetAsync(portal.CreateApiClient(), id, new { height = Api.HaltHeight, validators = rows })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(24L, await ValidatorsOnAsync(networkId));
        foreach (var id in incidents)
        {
            Assert.Equal(24L, await MembersAsync(id));
        }
    }
}
