using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Numerics;
using System.Text.Json;
using System.Security.Claims;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portal.Domain;
using Portal.Tests.Infrastructure;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Drills;
using Portal.Web.Features.Incidents;

namespace Portal.Tests.Web;

/// <summary>
/// The drill simulator drives a test portal's real HTTP API with a bearer token; its simulated validators answer
/// from their own time zones on a compressed clock (a fake one here, advanced by the test).
/// </summary>
public sealed class DrillSimulatorTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    /// <summary>17:00 EST: North America at work, Europe in its evening, Asia asleep.</summary>
    private static readonly DateTimeOffset FixOut = new(2026, 11, 21, 22, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("America/New_York", "2026-11-21T22:00:00Z")]
    [InlineData("Asia/Shanghai", "2026-11-22T00:00:00Z")]
    [InlineData("Europe/Berlin", "2026-11-22T07:00:00Z")]
    [InlineData("Asia/Tokyo", "2026-11-21T23:00:00Z")]
    public void Operators_see_the_release_at_their_first_waking_moment(string zone, string expected)
    {
        var awake = DrillSchedule.NextAwake(FixOut, TimeZoneInfo.FindSystemTimeZoneById(zone));

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), awake);
    }

    [Fact]
    public void Each_validator_acknowledges_downloads_upgrades_and_reports_ready_in_that_order_after_waking()
    {
        var validators = DrillSchedule.Validators(24, "t");
        var plan = DrillSchedule.Plan(validators, FixOut, seed: 7);

        Assert.Equal(96, plan.Count);
        Assert.Equal(plan.OrderBy(r => r.SimulatedAt), plan);
        foreach (var validator in validators)
        {
            var mine = plan.Where(r => r.Validator == validator).ToList();
            Assert.Equal([ValidatorState.Acknowledged, ValidatorState.Downloading, ValidatorState.Upgraded, ValidatorState.Ready], mine.Select(r => r.State));
            var awake = DrillSchedule.NextAwake(FixOut, TimeZoneInfo.FindSystemTimeZoneById(validator.TimeZone));
            Assert.InRange(mine[0].SimulatedAt - awake, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(45));
        }

        Assert.Equal(plan, DrillSchedule.Plan(validators, FixOut, seed: 7));
        Assert.NotEqual(plan, DrillSchedule.Plan(validators, FixOut, seed: 8));
    }

    [Fact]
    public async Task A_drill_runs_through_the_api_on_one_simulated_hour_per_real_minute_and_reaches_quorum_as_time_zones_wake()
    {
        var clock = new FakeTimeProvider(FixOut);
        using var api = portal.CreateApiClient();
        var simulator = new DrillSimulator(api, clock, NullLogger<DrillSimulator>.Instance);
        var plan = new DrillPlan(Validators: 12, SecondsPerSimulatedHour: 60, Seed: 3, SimulatedStart: FixOut);

        var run = simulator.RunAsync(plan);
        // The fake clock stands still unless moved: a simulated hour per real minute, so a minute per step is an hour.
        while (!run.IsCompleted)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(5);
        }

        var result = await run;
        Assert.True(result.QuorumReached);
        Assert.Equal(48, result.Played.Count);
        var last = result.Played[^1].SimulatedAt;
        Assert.True(clock.GetUtcNow() - FixOut >= TimeSpan.FromMinutes((last - FixOut).TotalHours), "every report waited for its simulated time");

        Assert.True(await portal.Database.ScalarAsync<bool>($"SELECT is_drill FROM incidents WHERE id = '{result.IncidentId}'"));
        Assert.Equal(48L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM timeline_events WHERE incident_id = '{result.IncidentId}' AND kind = 'validator-status'"));
        Assert.Equal("QuorumReached", await portal.Database.ScalarAsync<string>($"SELECT status FROM incidents WHERE id = '{result.IncidentId}'"));
        Assert.Equal(12L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM incident_validators WHERE incident_id = '{result.IncidentId}' AND state = 'Ready'"));

        // New York answers within the hour; Shanghai, asleep at 06:00, only after 08:00 local.
        var newYork = result.Played.First(r => r.Validator.TimeZone == "America/New_York");
        var shanghai = result.Played.First(r => r.Validator.TimeZone == "Asia/Shanghai");
        Assert.True(newYork.SimulatedAt < FixOut.AddHours(1));
        Assert.True(shanghai.SimulatedAt >= new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.FromHours(8)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(18)]
    [InlineData(24)]
    public void Simulated_stakes_are_whole_units_of_the_networks_display_unit(int decimals)
    {
        var validators = DrillSchedule.Validators(24, "t", decimals);

        var unit = BigInteger.Pow(10, decimals);
        Assert.All(validators, v =>
        {
            var stake = BigInteger.Parse(v.Stake, CultureInfo.InvariantCulture);
            Assert.True(stake > 0 && stake % unit == 0, $"{v.Stake} is not a whole number of units at {decimals} decimals");
        });
        Assert.Equal(BigInteger.Pow(10, 6) * unit, BigInteger.Parse(validators[0].Stake, CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(32)]
    [InlineData(38)]
    public void Where_whole_units_would_pass_38_digits_the_stakes_still_fit_and_keep_their_proportions(int decimals)
    {
        var validators = DrillSchedule.Validators(1_000, "t", decimals);

        Assert.All(validators, v => Assert.True(Stake.TryParse(v.Stake, out _, out var error), $"{v.Stake}: {error}"));
        var first = BigInteger.Parse(validators[0].Stake, CultureInfo.InvariantCulture);
        var last = BigInteger.Parse(validators[^1].Stake, CultureInfo.InvariantCulture);
        Assert.Equal(38, validators[^1].Stake.Length);
        Assert.Equal((BigInteger)(1_000_000 + (999 * 37_000)) * first, last * 1_000_000);
    }

    [Fact]
    public async Task A_drill_on_a_network_counting_18_decimals_freezes_whole_tokens_and_still_reaches_quorum()
    {
        using var admin = portal.CreateApiClient();
        using var created = await admin.PostAsJsonAsync("api/v1/networks", new
        {
            name = "CyberMiles drill",
            chainId = "cmt-" + Guid.NewGuid().ToString("N")[..10],
            decimals = 18,
            symbol = "CMT",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var networkId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var result = await new DrillSimulator(admin, TimeProvider.System, NullLogger<DrillSimulator>.Instance)
            .RunAsync(new DrillPlan(NetworkId: networkId, Validators: 6, SecondsPerSimulatedHour: 0, SimulatedStart: FixOut));

        Assert.Equal(networkId, result.NetworkId);
        Assert.True(result.QuorumReached);
        var token = BigInteger.Pow(10, 18);
        var stakes = (await portal.Database.ScalarAsync<string>($"SELECT string_agg(stake::text, ',') FROM incident_validators WHERE incident_id = '{result.IncidentId}'"))!
            .Split(',').Select(s => BigInteger.Parse(s, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(6, stakes.Count);
        Assert.All(stakes, stake => Assert.True(stake > 0 && stake % token == 0, $"{stake} base units is not a whole number of CMT"));

        using var quorum = await admin.GetFromJsonAsync<JsonDocument>(new Uri($"/api/v1/incidents/{result.IncidentId}/quorum", UriKind.Relative));
        var total = BigInteger.Parse(quorum!.RootElement.GetProperty("totalStake").GetString()!, CultureInfo.InvariantCulture);
        Assert.Equal(stakes.Aggregate(BigInteger.Zero, (a, b) => a + b), total);
        Assert.Equal(total, BigInteger.Parse(quorum.RootElement.GetProperty("readyStake").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal("0", quorum.RootElement.GetProperty("stakeNeeded").GetString());
    }

    [Fact]
    public async Task A_drill_network_the_simulator_creates_counts_whole_drill_units()
    {
        using var admin = portal.CreateApiClient();

        var result = await new DrillSimulator(admin, TimeProvider.System, NullLogger<DrillSimulator>.Instance)
            .RunAsync(new DrillPlan(Validators: 2, SecondsPerSimulatedHour: 0, SimulatedStart: FixOut));

        var network = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/networks/{result.NetworkId}", UriKind.Relative));
        Assert.Equal(DrillSimulator.DrillSymbol, network.GetProperty("symbol").GetString());
        Assert.Equal(0, network.GetProperty("decimals").GetInt32());
        Assert.True(result.QuorumReached);
    }

    [Fact]
    public async Task Reading_a_network_needs_a_commander_and_an_unknown_one_is_404()
    {
        var observer = await TestUsers.CreateAsync(portal, ["observer"]);
        using var admin = portal.CreateApiClient();
        using var asObserver = portal.CreateApiClient(observer.Token);
        var unknown = new Uri($"/api/v1/networks/{Guid.NewGuid()}", UriKind.Relative);

        using var missing = await admin.GetAsync(unknown);
        using var refused = await asObserver.GetAsync(unknown);

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task A_token_that_may_not_declare_stops_the_drill_with_the_portals_answer()
    {
        var observer = await TestUsers.CreateAsync(portal, ["observer"]);
        using var api = portal.CreateApiClient(observer.Token);

        var failure = await Assert.ThrowsAsync<DrillFailedException>(() =>
            new DrillSimulator(api, TimeProvider.System, NullLogger<DrillSimulator>.Instance).RunAsync(new DrillPlan(Validators: 2)));

        Assert.Contains("403", failure.Message, StringComparison.Ordinal);
        // The problem document's words, as people read them on the drill page, not its JSON.
        Assert.Contains("Not allowed.", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("{", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_service_starts_a_drill_for_an_admin_with_a_token_of_their_own_and_refuses_an_observer()
    {
        var admin = await TestUsers.CreateAsync(portal, ["admin"]);
        var observer = await TestUsers.CreateAsync(portal, ["observer"]);
        var runs = portal.Services.GetRequiredService<DrillRuns>();
        var tokens = new List<string>();
        runs.Clients = (_, token) =>
        {
            tokens.Add(token);
            return portal.CreateApiClient(token);
        };

        static ClaimsPrincipal As(TestUser user) => new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()), new Claim(ClaimTypes.Name, user.UserName)], "test"));

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CallerAccess>().Principal = As(observer);
            await Assert.ThrowsAsync<ForbiddenException>(() => scope.ServiceProvider.GetRequiredService<DrillService>()
                .StartAsync(new DrillPlan(Validators: 2, SecondsPerSimulatedHour: 0), new Uri("http://localhost/")));
        }

        Assert.Empty(tokens);
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CallerAccess>().Principal = As(admin);
            var run = await scope.ServiceProvider.GetRequiredService<DrillService>()
                .StartAsync(new DrillPlan(Validators: 3, SecondsPerSimulatedHour: 0), new Uri("http://localhost/"));
            var result = await run.Completion;

            Assert.Equal(await run.Incident, result.IncidentId);
            Assert.True(result.QuorumReached);
        }

        Assert.NotEqual(PortalFactory.AdminToken, Assert.Single(tokens));
        var response = await portal.CreateApiClient(tokens[0]).GetAsync(new Uri("/api/v1/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(admin.UserName, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
