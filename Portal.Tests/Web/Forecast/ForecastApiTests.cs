using System.Globalization;
using System.Net;
using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web.Api;

/// <summary>GET /api/v1/incidents/{id}/forecast and PUT …/validators/{key}/waking-window, per API.md v1.1 "Forecast".</summary>
public sealed class ForecastApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static readonly int[] NorthAmerica = [12, 13, 14, 15, 16, 17];

    private static async Task<JsonElement> ForecastAsync(ApiScenario scenario, HttpClient? client = null) =>
        await Api.OkAsync(await (client ?? scenario.Admin).GetAsync(Api.Path($"{scenario.Base}/forecast")));

    private static DateTimeOffset Time(JsonElement value)
    {
        var text = value.GetString()!;
        Assert.EndsWith("Z", text, StringComparison.Ordinal);
        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
    }

    private static Task<HttpResponseMessage> PutWindowAsync(ApiScenario scenario, HttpClient client, string key, object body) =>
        Api.SendAsync(client, HttpMethod.Put, $"{scenario.Base}/validators/{Uri.EscapeDataString(key)}/waking-window", body);

    [Fact]
    public async Task With_North_America_ready_the_forecast_projects_a_band_and_names_eleven_validators_to_wake_awake_ones_first()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        // Whatever the hour this runs, North America is watching when the fix comes out: their answers are the
        // watching responses, not ones after waking.
        foreach (var seat in NorthAmerica)
        {
            Assert.Equal(HttpStatusCode.OK, (await PutWindowAsync(scenario, scenario.Admin, scenario.Keys[seat], new { wakeFrom = "00:00", wakeUntil = "23:59" })).StatusCode);
        }

        await scenario.PublishReleaseAsync();
        await scenario.ReportAllAsync("ready", NorthAmerica);
        var observer = await scenario.ClientAsync("observer");

        var forecast = await ForecastAsync(scenario, observer);

        Assert.Equal(["asOf", "band", "basis", "projectedQuorumAt", "reached", "wakeNext"], forecast.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.False(forecast.GetProperty("reached").GetBoolean());
        var asOf = Time(forecast.GetProperty("asOf"));
        var projected = Time(forecast.GetProperty("projectedQuorumAt"));
        var band = forecast.GetProperty("band");
        Assert.Equal(["earliest", "latest"], band.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        var (earliest, latest) = (Time(band.GetProperty("earliest")), Time(band.GetProperty("latest")));
        Assert.True(asOf <= earliest && earliest <= projected && projected <= latest, forecast.ToString());

        // Six observed responses (fewer than five would mean the prior): the basis says which.
        Assert.Contains("from 6 validators", forecast.GetProperty("basis").GetString(), StringComparison.Ordinal);

        var wake = forecast.GetProperty("wakeNext").EnumerateArray().ToList();
        Assert.Equal(11, wake.Count);
        Assert.Equal(11, wake.Select(w => w.GetProperty("key").GetString()).Distinct().Count());
        Assert.DoesNotContain(wake, w => NorthAmerica.Select(s => scenario.Keys[s]).Contains(w.GetProperty("key").GetString()));
        var awake = wake.Select(w => w.GetProperty("awake").GetBoolean()).ToList();
        Assert.Equal(awake.OrderByDescending(a => a), awake);
        foreach (var w in wake)
        {
            Assert.Equal(["awake", "key", "localTime", "name", "nextWakeAt", "stake", "state", "timeZone"], w.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Equal(Api.CyberMilesStake, w.GetProperty("stake").GetString());
            Assert.Equal("pending", w.GetProperty("state").GetString());
            var zone = TimeZoneInfo.FindSystemTimeZoneById(w.GetProperty("timeZone").GetString()!);
            var local = DateTimeOffset.ParseExact(w.GetProperty("localTime").GetString()!, "yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
            Assert.Equal(zone.GetUtcOffset(asOf), local.Offset);
            Assert.Equal(asOf, local.ToUniversalTime());
            var nextWake = Time(w.GetProperty("nextWakeAt"));
            Assert.Equal(w.GetProperty("awake").GetBoolean(), nextWake == asOf);
            Assert.True(nextWake >= asOf && nextWake < asOf.AddDays(1));
            if (!w.GetProperty("awake").GetBoolean())
            {
                Assert.Equal(8, TimeZoneInfo.ConvertTime(nextWake, zone).Hour);
            }
        }
    }

    [Fact]
    public async Task Before_a_release_and_once_reached_there_is_no_projection_and_the_basis_says_why()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var before = await ForecastAsync(scenario);
        Assert.Equal(JsonValueKind.Null, before.GetProperty("projectedQuorumAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, before.GetProperty("band").ValueKind);
        Assert.StartsWith("No release is published yet", before.GetProperty("basis").GetString(), StringComparison.Ordinal);
        Assert.Equal(17, before.GetProperty("wakeNext").GetArrayLength());

        await scenario.PublishReleaseAsync();
        await scenario.ReportAllAsync("ready", Enumerable.Range(0, 17));
        var reached = await ForecastAsync(scenario);
        Assert.True(reached.GetProperty("reached").GetBoolean());
        Assert.Equal(JsonValueKind.Null, reached.GetProperty("projectedQuorumAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, reached.GetProperty("band").ValueKind);
        Assert.Empty(reached.GetProperty("wakeNext").EnumerateArray());
        Assert.StartsWith("Quorum is reached", reached.GetProperty("basis").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_forecast_needs_a_sign_in_and_a_known_incident()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var anonymous = portal.CreateApiClient(token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(Api.Path($"{scenario.Base}/forecast"))).StatusCode);
        await Api.ProblemAsync(await scenario.Admin.GetAsync(Api.Path($"/api/v1/incidents/{Guid.NewGuid()}/forecast")), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_commander_sets_a_waking_window_which_the_forecast_uses_and_the_timeline_records()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 3);
        await scenario.PublishReleaseAsync();
        var commander = await scenario.ClientAsync("commander");
        var key = scenario.Keys[0];
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Api.Zones[0]);

        // A window that closed a minute ago and opens again in two hours: asleep now, whatever the hour.
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone);
        var opens = local.AddHours(2);
        var closes = local.AddMinutes(-1);
        string Hm(DateTimeOffset t) => t.ToString("HH:mm", CultureInfo.InvariantCulture);
        var answer = await Api.OkAsync(await PutWindowAsync(scenario, commander, key, new { wakeFrom = Hm(opens), wakeUntil = Hm(closes) }));
        Assert.Equal(key, answer.GetProperty("key").GetString());
        Assert.Equal(Hm(opens), answer.GetProperty("wakeFrom").GetString());
        Assert.Equal(Hm(closes), answer.GetProperty("wakeUntil").GetString());

        var forecast = await ForecastAsync(scenario);
        var entry = forecast.GetProperty("wakeNext").EnumerateArray().Single(w => w.GetProperty("key").GetString() == key);
        Assert.False(entry.GetProperty("awake").GetBoolean());
        var nextWake = TimeZoneInfo.ConvertTime(Time(entry.GetProperty("nextWakeAt")), zone);
        Assert.Equal(Hm(opens), Hm(nextWake));

        var timeline = await scenario.TimelineAsync();
        Assert.Equal("validator-waking-window", timeline[^1].GetProperty("kind").GetString());
        Assert.Equal($"Validator 00: waking window 08:00–22:00 → {Hm(opens)}–{Hm(closes)} ({Api.Zones[0]}).", timeline[^1].GetProperty("summary").GetString());
        Assert.Equal(
            $"{(opens.Hour * 60) + opens.Minute}|{(closes.Hour * 60) + closes.Minute}",
            await portal.Database.ScalarAsync<string>($"SELECT wake_from_minute || '|' || wake_until_minute FROM validators WHERE key = '{key}'"));

        // The same window again changes nothing.
        var entries = await scenario.TimelineCountAsync();
        await Api.OkAsync(await PutWindowAsync(scenario, commander, key, new { wakeFrom = Hm(opens), wakeUntil = Hm(closes) }));
        Assert.Equal(entries, await scenario.TimelineCountAsync());
    }

    [Fact]
    public async Task Bad_waking_windows_are_400_naming_the_field_others_may_not_set_them_and_unknown_keys_are_404()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var key = scenario.Keys[0];

        await Api.ProblemAsync(await PutWindowAsync(scenario, scenario.Admin, key, new { wakeFrom = "8am", wakeUntil = "22:00" }), HttpStatusCode.BadRequest, "wakeFrom");
        await Api.ProblemAsync(await PutWindowAsync(scenario, scenario.Admin, key, new { wakeFrom = "08:00" }), HttpStatusCode.BadRequest, "wakeUntil");
        await Api.ProblemAsync(await PutWindowAsync(scenario, scenario.Admin, key, new { wakeFrom = "08:00", wakeUntil = "08:00" }), HttpStatusCode.BadRequest, "wakeUntil");
        await Api.ProblemAsync(await PutWindowAsync(scenario, scenario.Admin, key, new { wakeFrom = "24:00", wakeUntil = "25:00" }), HttpStatusCode.BadRequest, "wakeFrom", "wakeUntil");
        await Api.ProblemAsync(await PutWindowAsync(scenario, scenario.Admin, key, new { }), HttpStatusCode.BadRequest, "wakeFrom", "wakeUntil");

        // Each message is about the field it is under: a valid wakeFrom is not blamed for a missing wakeUntil.
        var missing = await Api.ProblemAsync(await PutWindowAsync(scenario, scenario.Admin, key, new { wakeFrom = "08:00" }), HttpStatusCode.BadRequest, "wakeUntil");
        Assert.False(missing.GetProperty("errors").TryGetProperty("wakeFrom", out _));
        Assert.StartsWith("wakeUntil is missing", missing.GetProperty("errors").GetProperty("wakeUntil")[0].GetString(), StringComparison.Ordinal);
        var same = await Api.ProblemAsync(await PutWindowAsync(scenario, scenario.Admin, key, new { wakeFrom = "09:00", wakeUntil = "09:00" }), HttpStatusCode.BadRequest, "wakeUntil");
        Assert.StartsWith("wakeUntil must differ from wakeFrom", same.GetProperty("errors").GetProperty("wakeUntil")[0].GetString(), StringComparison.Ordinal);
        await Api.ProblemAsync(await PutWindowAsync(scenario, scenario.Admin, key, "{\"wakeFrom\": 8}"), HttpStatusCode.BadRequest);

        var (_, op) = await scenario.OperatorAsync(0);
        Assert.Equal(HttpStatusCode.Forbidden, (await PutWindowAsync(scenario, op, key, new { wakeFrom = "07:00", wakeUntil = "23:00" })).StatusCode);
        await Api.ProblemAsync(await PutWindowAsync(scenario, scenario.Admin, "0xnobody", new { wakeFrom = "07:00", wakeUntil = "23:00" }), HttpStatusCode.NotFound);
        Assert.Equal("480|1320", await portal.Database.ScalarAsync<string>($"SELECT wake_from_minute || '|' || wake_until_minute FROM validators WHERE key = '{key}'"));
    }

    [Fact]
    public async Task The_validator_set_import_takes_waking_windows_and_keeps_them_when_a_later_import_leaves_them_out()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var rows = new object[]
        {
            new { key = scenario.Keys[0], name = "Night owl", stake = "5", timeZone = "Asia/Tokyo", wakeFrom = "20:00", wakeUntil = "06:00" },
            new { key = scenario.Keys[1], name = "Early bird", stake = "5", timeZone = "Europe/Berlin" },
        };
        await Api.OkAsync(await scenario.Admin.PutAsync(Api.Path($"{scenario.Base}/validator-set"), Api.Json(new { height = Api.HaltHeight, validators = rows })));
        Assert.Equal("1200|360", await portal.Database.ScalarAsync<string>($"SELECT wake_from_minute || '|' || wake_until_minute FROM validators WHERE key = '{scenario.Keys[0]}'"));
        Assert.Equal("480|1320", await portal.Database.ScalarAsync<string>($"SELECT wake_from_minute || '|' || wake_until_minute FROM validators WHERE key = '{scenario.Keys[1]}'"));

        rows[0] = new { key = scenario.Keys[0], name = "Night owl", stake = "5", timeZone = "Asia/Tokyo" };
        await Api.OkAsync(await scenario.Admin.PutAsync(Api.Path($"{scenario.Base}/validator-set"), Api.Json(new { height = Api.HaltHeight, validators = rows })));
        Assert.Equal("1200|360", await portal.Database.ScalarAsync<string>($"SELECT wake_from_minute || '|' || wake_until_minute FROM validators WHERE key = '{scenario.Keys[0]}'"));

        var bad = new object[] { new { key = scenario.Keys[0], name = "Night owl", stake = "5", wakeFrom = "20:00" }, new { key = scenario.Keys[1], name = "x", stake = "5", wakeFrom = "7:00", wakeUntil = "19:00" } };
        await Api.ProblemAsync(await scenario.Admin.PutAsync(Api.Path($"{scenario.Base}/validator-set"), Api.Json(new { height = Api.HaltHeight, validators = bad })),
            HttpStatusCode.BadRequest, "validators[0].wakeUntil", "validators[1].wakeFrom");
    }
}
