using System.Net;
using System.Text.Json;

namespace Portal.Tests.Web.Api;

/// <summary>POST /api/v1/incidents/{id}/validators/{key}/status, per API.md: who may report, what, and how often.</summary>
public sealed class StatusReportApiTests(Infrastructure.PortalFactory portal) : IClassFixture<Infrastructure.PortalFactory>
{
    /// <summary>Everything a refused report must leave untouched.</summary>
    private sealed record Snapshot(string Rows, long Revision, long Timeline);

    private async Task<Snapshot> SnapshotAsync(ApiScenario scenario) => new(
        (await portal.Database.ScalarAsync<string>(
            $"SELECT string_agg(concat_ws('|', validator_id, state, version, note, updated_at::text, updated_by), ';' ORDER BY validator_id) FROM incident_validators WHERE incident_id = '{scenario.IncidentId}'"))!,
        await scenario.RevisionAsync(),
        await scenario.TimelineCountAsync());

    [Fact]
    public async Task The_bound_operator_reports_and_gets_200_with_key_state_version_and_updatedAt()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var (user, client) = await scenario.OperatorAsync(4);
        var revision = await scenario.RevisionAsync();

        var response = await scenario.ReportAsync(client, 4, "upgraded", Api.Hotfix);

        var answer = await Api.OkAsync(response);
        Assert.Equal(["key", "state", "updatedAt", "version"], answer.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(scenario.Keys[4], answer.GetProperty("key").GetString());
        Assert.Equal("upgraded", answer.GetProperty("state").GetString());
        Assert.Equal(Api.Hotfix, answer.GetProperty("version").GetString());
        Assert.EndsWith("Z", answer.GetProperty("updatedAt").GetString(), StringComparison.Ordinal);
        var updatedAt = answer.GetProperty("updatedAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.Zero, updatedAt.Offset);
        Assert.InRange(updatedAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.StartsWith($"Upgraded|{Api.Hotfix}|-|", await scenario.StoredRowAsync(4), StringComparison.Ordinal);
        Assert.EndsWith($"|{user.UserName}", await scenario.StoredRowAsync(4), StringComparison.Ordinal);
        Assert.Equal(revision + 1, await scenario.RevisionAsync());

        var last = (await scenario.TimelineAsync())[^1];
        Assert.Equal("validator-status", last.GetProperty("kind").GetString());
        Assert.Equal(user.UserName, last.GetProperty("actor").GetString());
        Assert.Equal($"Validator 04: pending → upgraded, running {Api.Hotfix}.", last.GetProperty("summary").GetString());
    }

    [Fact]
    public async Task An_operator_bound_to_several_validators_reports_for_each_of_them()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var (_, client) = await scenario.OperatorAsync(1, 2);

        await Api.OkAsync(await scenario.ReportAsync(client, 1, "acknowledged"));
        await Api.OkAsync(await scenario.ReportAsync(client, 2, "downloading"));

        Assert.Equal("Acknowledged", await scenario.StoredStateAsync(1));
        Assert.Equal("Downloading", await scenario.StoredStateAsync(2));
    }

    [Fact]
    public async Task An_operator_reporting_for_validators_not_bound_to_them_is_403_and_nothing_changes()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var (_, client) = await scenario.OperatorAsync(0);
        await scenario.ReportAllAsync("upgraded", [5]);
        var before = await SnapshotAsync(scenario);

        foreach (var seat in new[] { 1, 5, 12, 23 })
        {
            foreach (var state in new[] { "ready", "blocked", "acknowledged" })
            {
                var response = await scenario.ReportAsync(client, seat, state, Api.Hotfix, note: "hijack", idempotencyKey: $"steal-{seat}-{state}");
                var problem = await Api.ProblemAsync(response, HttpStatusCode.Forbidden);
                Assert.Contains(scenario.Keys[seat], problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }

        Assert.Equal(before, await SnapshotAsync(scenario));
        Assert.Equal("Upgraded", await scenario.StoredStateAsync(5));
        Assert.Equal(0L, await portal.Database.ScalarAsync<long>("SELECT count(*) FROM idempotency_records WHERE key LIKE 'steal-%'"));
        Assert.Equal(0, (await scenario.QuorumAsync()).GetProperty("validators").GetProperty("ready").GetInt32());
    }

    [Fact]
    public async Task An_operator_cannot_report_for_another_incidents_validator_even_with_the_same_key()
    {
        // Two networks whose validator sets share keys: the binding is to one network's validator, not to a key.
        var salt = Guid.NewGuid().ToString("N");
        var mine = await ApiScenario.CreateAsync(portal, count: 4, keySalt: salt);
        var theirs = await ApiScenario.CreateAsync(portal, count: 4, keySalt: salt);
        var other = await ApiScenario.CreateAsync(portal, count: 4);
        Assert.Equal(mine.Keys[0], theirs.Keys[0]);
        var (_, client) = await mine.OperatorAsync(0);
        var theirsBefore = await SnapshotAsync(theirs);
        var otherBefore = await SnapshotAsync(other);

        await Api.ProblemAsync(await theirs.ReportAsync(client, 0, "ready", Api.Hotfix), HttpStatusCode.Forbidden);
        await Api.ProblemAsync(await theirs.ReportAsync(client, 1, "ready", Api.Hotfix), HttpStatusCode.Forbidden);
        await Api.ProblemAsync(await other.ReportAsync(client, 0, "ready", Api.Hotfix), HttpStatusCode.Forbidden);

        // My own validator's key, sent to an incident where it is not in the set, is unknown there.
        await Api.ProblemAsync(await other.ReportAsync(client, mine.Keys[0], new { state = "ready" }), HttpStatusCode.NotFound);

        Assert.Equal(theirsBefore, await SnapshotAsync(theirs));
        Assert.Equal(otherBefore, await SnapshotAsync(other));
        await Api.OkAsync(await mine.ReportAsync(client, 0, "ready", Api.Hotfix));
        Assert.Equal("Ready", await mine.StoredStateAsync(0));
        Assert.Equal("Pending", await theirs.StoredStateAsync(0));
    }

    [Fact]
    public async Task Observers_and_core_devs_cannot_report_and_anonymous_callers_are_401()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var before = await SnapshotAsync(scenario);

        await Api.ProblemAsync(await scenario.ReportAsync(await scenario.ClientAsync("observer"), 0, "ready"), HttpStatusCode.Forbidden);
        await Api.ProblemAsync(await scenario.ReportAsync(await scenario.ClientAsync("coredev"), 0, "ready"), HttpStatusCode.Forbidden);
        await Api.ProblemAsync(await scenario.ReportAsync(portal.CreateApiClient(token: null), 0, "ready"), HttpStatusCode.Unauthorized);

        Assert.Equal(before, await SnapshotAsync(scenario));
    }

    [Fact]
    public async Task Unknown_key_or_unknown_incident_is_404()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var (_, client) = await scenario.OperatorAsync(0);
        var before = await SnapshotAsync(scenario);

        await Api.ProblemAsync(await scenario.ReportAsync(scenario.Admin, "0xnot-a-validator", new { state = "ready" }), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await scenario.ReportAsync(client, "0xnot-a-validator", new { state = "ready" }), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await scenario.ReportAsync(scenario.Admin, scenario.Keys[0].ToUpperInvariant(), new { state = "ready" }), HttpStatusCode.NotFound);
        await Api.ProblemAsync(
            await Api.SendAsync(client, HttpMethod.Post, $"/api/v1/incidents/{Guid.NewGuid()}/validators/{scenario.Keys[0]}/status", new { state = "ready" }),
            HttpStatusCode.NotFound);
        await Api.ProblemAsync(
            await Api.SendAsync(scenario.Admin, HttpMethod.Post, $"/api/v1/incidents/{Guid.NewGuid()}/validators/{scenario.Keys[0]}/status", new { state = "ready" }),
            HttpStatusCode.NotFound);

        Assert.Equal(before, await SnapshotAsync(scenario));
    }

    [Theory]
    [InlineData("""{"state": "flying"}""", "an unknown state")]
    [InlineData("""{"state": 4}""", "a state as a number")]
    [InlineData("""{"state": ["ready"]}""", "a state as an array")]
    [InlineData("""{"state": "ready", "version": 18}""", "a version as a number")]
    [InlineData("""{"state": "ready",""", "malformed JSON")]
    [InlineData("""[]""", "an array for the body")]
    public async Task Unreadable_reports_are_400_and_change_nothing(string body, string because)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var (_, client) = await scenario.OperatorAsync(0);
        var before = await SnapshotAsync(scenario);

        var response = await scenario.ReportAsync(client, scenario.Keys[0], body);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{because}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(before, await SnapshotAsync(scenario));
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"state": null, "version": "v0.1.8-beta-hotfix"}""")]
    public async Task A_missing_state_is_400_naming_state(string body)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var (_, client) = await scenario.OperatorAsync(0);
        var before = await SnapshotAsync(scenario);

        var response = await scenario.ReportAsync(client, scenario.Keys[0], body);

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest, "state");
        Assert.Equal(["state"], Api.ErrorFields(problem));
        Assert.Equal(before, await SnapshotAsync(scenario));
    }

    [Fact]
    public async Task Nobody_reports_pending_not_even_for_a_pending_validator()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var (_, client) = await scenario.OperatorAsync(0, 1);
        await Api.OkAsync(await scenario.ReportAsync(client, 1, "acknowledged"));
        var before = await SnapshotAsync(scenario);

        var fromAcknowledged = await scenario.ReportAsync(client, 1, "pending");
        var fromPending = await scenario.ReportAsync(client, 0, "pending");
        var byAdmin = await scenario.ReportAsync(scenario.Admin, 2, "pending");

        foreach (var response in new[] { fromAcknowledged, fromPending, byAdmin })
        {
            var problem = await Api.ProblemAsync(response, HttpStatusCode.Conflict);
            Assert.Contains("cannot be reported as pending", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await SnapshotAsync(scenario));
    }

    [Fact]
    public async Task An_illegal_transition_is_409_with_the_reason_in_detail()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var (_, client) = await scenario.OperatorAsync(0, 1);
        await Api.OkAsync(await scenario.ReportAsync(client, 0, "ready", Api.Hotfix));
        await Api.OkAsync(await scenario.ReportAsync(client, 1, "upgraded", Api.Hotfix));
        var before = await SnapshotAsync(scenario);

        var readyToAcknowledged = await Api.ProblemAsync(await scenario.ReportAsync(client, 0, "acknowledged"), HttpStatusCode.Conflict);
        var readyToDownloading = await Api.ProblemAsync(await scenario.ReportAsync(client, 0, "downloading"), HttpStatusCode.Conflict);
        var upgradedToAcknowledged = await Api.ProblemAsync(await scenario.ReportAsync(client, 1, "acknowledged"), HttpStatusCode.Conflict);

        Assert.Equal("A validator that is ready cannot go back to acknowledged; allowed next: ready, upgraded, blocked.", readyToAcknowledged.GetProperty("detail").GetString());
        Assert.Equal("A validator that is ready cannot go back to downloading; allowed next: ready, upgraded, blocked.", readyToDownloading.GetProperty("detail").GetString());
        Assert.Equal("A validator that is upgraded cannot go back to acknowledged; allowed next: upgraded, ready, blocked.", upgradedToAcknowledged.GetProperty("detail").GetString());
        Assert.Equal(before, await SnapshotAsync(scenario));
    }

    [Fact]
    public async Task Ready_may_step_back_to_upgraded_and_blocked_may_recover_to_any_working_state()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var (_, client) = await scenario.OperatorAsync(0);

        await Api.OkAsync(await scenario.ReportAsync(client, 0, "ready", Api.Hotfix));
        await Api.OkAsync(await scenario.ReportAsync(client, 0, "upgraded", Api.Hotfix));
        await Api.OkAsync(await scenario.ReportAsync(client, 0, "blocked", note: "snapshot checksum mismatch"));
        var recovered = await Api.OkAsync(await scenario.ReportAsync(client, 0, "acknowledged"));

        Assert.Equal("acknowledged", recovered.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, recovered.GetProperty("version").ValueKind);
        Assert.StartsWith("Acknowledged|-|-|", await scenario.StoredRowAsync(0), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"state": "blocked"}""")]
    [InlineData("""{"state": "blocked", "note": ""}""")]
    [InlineData("""{"state": "blocked", "note": "   "}""")]
    public async Task Blocked_without_a_note_is_400_naming_note(string body)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var (_, client) = await scenario.OperatorAsync(0);
        var before = await SnapshotAsync(scenario);

        var response = await scenario.ReportAsync(client, scenario.Keys[0], body);

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest, "note");
        Assert.Equal(["note"], Api.ErrorFields(problem));
        Assert.Equal(before, await SnapshotAsync(scenario));
    }

    [Fact]
    public async Task Blocked_with_a_note_is_recorded_with_the_note()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var (user, client) = await scenario.OperatorAsync(2);

        var answer = await Api.OkAsync(await scenario.ReportAsync(client, 2, "blocked", note: "database corrupted by the crash; need the 1724748 snapshot"));

        Assert.Equal("blocked", answer.GetProperty("state").GetString());
        Assert.StartsWith("Blocked|-|database corrupted by the crash; need the 1724748 snapshot|", await scenario.StoredRowAsync(2), StringComparison.Ordinal);
        var last = (await scenario.TimelineAsync())[^1];
        Assert.Equal(user.UserName, last.GetProperty("actor").GetString());
        Assert.Equal("Validator 02: pending → blocked — database corrupted by the crash; need the 1724748 snapshot.", last.GetProperty("summary").GetString());
        Assert.Equal(1, (await scenario.QuorumAsync()).GetProperty("validators").GetProperty("blocked").GetInt32());
    }

    [Theory]
    [InlineData("version", 101)]
    [InlineData("note", 2001)]
    public async Task Oversized_version_or_note_is_400_naming_the_field(string field, int length)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var (_, client) = await scenario.OperatorAsync(0);
        var before = await SnapshotAsync(scenario);
        var body = field == "version" ? (object)new { state = "upgraded", version = new string('v', length) } : new { state = "blocked", note = new string('n', length) };

        var response = await scenario.ReportAsync(client, scenario.Keys[0], body);

        await Api.ProblemAsync(response, HttpStatusCode.BadRequest, field);
        Assert.Equal(before, await SnapshotAsync(scenario));
    }

    [Fact]
    public async Task Repeating_the_same_state_and_payload_is_a_200_no_op()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var (_, client) = await scenario.OperatorAsync(0);
        var first = await Api.OkAsync(await scenario.ReportAsync(client, 0, "upgraded", Api.Hotfix));
        var before = await SnapshotAsync(scenario);

        var again = await Api.OkAsync(await scenario.ReportAsync(client, 0, "upgraded", Api.Hotfix));
        var paddedAgain = await Api.OkAsync(await scenario.ReportAsync(client, 0, "upgraded", $"  {Api.Hotfix} "));

        Assert.Equal("upgraded", again.GetProperty("state").GetString());
        Assert.Equal(Api.Hotfix, again.GetProperty("version").GetString());
        Assert.Equal(first.GetProperty("updatedAt").GetDateTimeOffset().ToUnixTimeMilliseconds(), again.GetProperty("updatedAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.Equal(again.GetProperty("updatedAt").GetString(), paddedAgain.GetProperty("updatedAt").GetString());
        Assert.Equal(before, await SnapshotAsync(scenario));

        // A different payload for the same state is an update: recorded once.
        await Api.OkAsync(await scenario.ReportAsync(client, 0, "upgraded", "v0.1.8-beta-hotfix-2"));
        Assert.Equal(before.Revision + 1, await scenario.RevisionAsync());
        Assert.Equal(before.Timeline + 1, await scenario.TimelineCountAsync());
    }

    [Fact]
    public async Task An_Idempotency_Key_replay_returns_the_first_answer_and_records_nothing_twice()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var (_, client) = await scenario.OperatorAsync(0);

        var firstResponse = await scenario.ReportAsync(client, 0, "ready", Api.Hotfix, idempotencyKey: "retry-7f3a");
        var first = await firstResponse.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        var after = await SnapshotAsync(scenario);

        var replayResponse = await scenario.ReportAsync(client, 0, "ready", Api.Hotfix, idempotencyKey: "retry-7f3a");
        var replay = await Api.OkAsync(replayResponse);

        using var firstJson = JsonDocument.Parse(first);
        Assert.Equal(firstJson.RootElement.GetProperty("updatedAt").GetString(), replay.GetProperty("updatedAt").GetString());
        Assert.Equal(firstJson.RootElement.GetProperty("key").GetString(), replay.GetProperty("key").GetString());
        Assert.Equal("ready", replay.GetProperty("state").GetString());
        Assert.Equal(Api.Hotfix, replay.GetProperty("version").GetString());
        Assert.Equal("true", replayResponse.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.False(firstResponse.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(after, await SnapshotAsync(scenario));
        Assert.Single(await scenario.TimelineAsync(), e => e.GetProperty("kind").GetString() == "validator-status");

        // Replays keep answering the first answer even after the validator moved on.
        await Api.OkAsync(await scenario.ReportAsync(client, 0, "upgraded", Api.Hotfix, idempotencyKey: "step-back"));
        var late = await Api.OkAsync(await scenario.ReportAsync(client, 0, "ready", Api.Hotfix, idempotencyKey: "retry-7f3a"));
        Assert.Equal("ready", late.GetProperty("state").GetString());
        Assert.Equal("Upgraded", await scenario.StoredStateAsync(0));
    }

    [Fact]
    public async Task The_same_Idempotency_Key_with_a_different_body_is_409_and_changes_nothing()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var (_, client) = await scenario.OperatorAsync(0, 1);
        await Api.OkAsync(await scenario.ReportAsync(client, 0, "downloading", Api.Hotfix, idempotencyKey: "once"));
        var before = await SnapshotAsync(scenario);

        var otherState = await scenario.ReportAsync(client, 0, "upgraded", Api.Hotfix, idempotencyKey: "once");
        var otherVersion = await scenario.ReportAsync(client, 0, "downloading", "v0.1.9", idempotencyKey: "once");
        var otherValidator = await scenario.ReportAsync(client, 1, "downloading", Api.Hotfix, idempotencyKey: "once");

        foreach (var response in new[] { otherState, otherVersion, otherValidator })
        {
            var problem = await Api.ProblemAsync(response, HttpStatusCode.Conflict);
            Assert.Contains("Idempotency-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await SnapshotAsync(scenario));
        Assert.Equal("Pending", await scenario.StoredStateAsync(1));
    }

    /// <summary>
    /// Fields once joined with '|' made version "v0.1|x" with note "y" and version "v0.1" with note "x|y" the same
    /// request: the second was answered as a replay of the first and its note silently dropped.
    /// </summary>
    [Fact]
    public async Task The_same_Idempotency_Key_with_the_text_split_differently_between_version_and_note_is_409()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var (_, client) = await scenario.OperatorAsync(0);
        await Api.OkAsync(await scenario.ReportAsync(client, 0, "acknowledged", "v0.1|x", note: "y", idempotencyKey: "split"));
        var before = await SnapshotAsync(scenario);

        var resplit = await scenario.ReportAsync(client, 0, "acknowledged", "v0.1", note: "x|y", idempotencyKey: "split");

        var problem = await Api.ProblemAsync(resplit, HttpStatusCode.Conflict);
        Assert.Contains("Idempotency-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await SnapshotAsync(scenario));
    }

    [Fact]
    public async Task Idempotency_Keys_belong_to_their_user()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var (_, alice) = await scenario.OperatorAsync(0);
        var (_, bob) = await scenario.OperatorAsync(1);

        await Api.OkAsync(await scenario.ReportAsync(alice, 0, "acknowledged", idempotencyKey: "shared-key"));
        var bobs = await Api.OkAsync(await scenario.ReportAsync(bob, 1, "downloading", idempotencyKey: "shared-key"));

        Assert.Equal(scenario.Keys[1], bobs.GetProperty("key").GetString());
        Assert.Equal("Downloading", await scenario.StoredStateAsync(1));
    }

    [Theory]
    [InlineData(201)]
    [InlineData(5000)]
    public async Task An_Idempotency_Key_too_long_is_400(int length)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var (_, client) = await scenario.OperatorAsync(0);
        var before = await SnapshotAsync(scenario);
        using var request = new HttpRequestMessage(HttpMethod.Post, Api.Path($"{scenario.Base}/validators/{scenario.Keys[0]}/status")) { Content = Api.Json("""{"state": "ready"}""") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', length));

        var response = await client.SendAsync(request);

        await Api.ProblemAsync(response, HttpStatusCode.BadRequest, "Idempotency-Key");
        Assert.Equal(before, await SnapshotAsync(scenario));
    }

    [Theory]
    [InlineData("commander")]
    [InlineData("admin")]
    public async Task A_commander_or_admin_reports_on_anyones_behalf_and_the_timeline_says_so(string role)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var user = role == "admin" ? null : await Infrastructure.TestUsers.CreateAsync(portal, [role]);
        var client = user is null ? scenario.Admin : portal.CreateApiClient(user.Token);
        var name = user?.UserName ?? "admin";

        var answer = await Api.OkAsync(await scenario.ReportAsync(client, 3, "ready", Api.Hotfix));

        Assert.Equal("ready", answer.GetProperty("state").GetString());
        var last = (await scenario.TimelineAsync())[^1];
        Assert.Equal("validator-status", last.GetProperty("kind").GetString());
        Assert.Equal($"{name} (on behalf of the operator)", last.GetProperty("actor").GetString());
        Assert.Contains("on behalf", last.GetProperty("actor").GetString(), StringComparison.Ordinal);
        Assert.EndsWith($"|{name} (on behalf of the operator)", await scenario.StoredRowAsync(3), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reports_on_a_closed_incident_are_409()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/status"), Api.Json("""{"status": "closed", "reason": "Abandoned: the chain forked instead."}""")));
        var before = await SnapshotAsync(scenario);

        var response = await scenario.ReportAsync(scenario.Admin, 0, "ready");

        await Api.ProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Equal(before, await SnapshotAsync(scenario));
    }

    [Fact]
    public async Task Concurrent_reports_for_different_validators_all_apply_with_one_revision_each()
    {
        var scenario = await ApiScenario.CreateAsync(portal);
        var revision = await scenario.RevisionAsync();
        var entries = await scenario.TimelineCountAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(seat => scenario.ReportAsync(portal.CreateApiClient(), seat, "upgraded", Api.Hotfix)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(revision + 12, await scenario.RevisionAsync());
        Assert.Equal(entries + 12, await scenario.TimelineCountAsync());
        Assert.Equal(12, (await scenario.QuorumAsync()).GetProperty("validators").GetProperty("upgraded").GetInt32());
    }

    [Fact]
    public async Task Concurrent_retries_with_one_Idempotency_Key_apply_once()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 4);
        var (_, client) = await scenario.OperatorAsync(0);
        var entries = await scenario.TimelineCountAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => scenario.ReportAsync(client, 0, "ready", Api.Hotfix, idempotencyKey: "burst")));

        var bodies = new List<string>();
        foreach (var response in responses)
        {
            bodies.Add((await Api.OkAsync(response)).GetProperty("updatedAt").GetString()!);
        }

        Assert.Single(bodies.Distinct(StringComparer.Ordinal));
        Assert.Equal(entries + 1, await scenario.TimelineCountAsync());
    }

    [Fact]
    public async Task One_Idempotency_Key_sent_concurrently_to_two_incidents_applies_once_and_conflicts_once()
    {
        var first = await ApiScenario.CreateAsync(portal, count: 2);
        var second = await ApiScenario.CreateAsync(portal, count: 2);
        var commander = await first.ClientAsync("commander");

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var key = $"cross-{attempt}";
            var responses = await Task.WhenAll(
                first.ReportAsync(commander, attempt % 2, attempt % 2 == 0 ? "acknowledged" : "downloading", idempotencyKey: key),
                second.ReportAsync(commander, attempt % 2, attempt % 2 == 0 ? "acknowledged" : "downloading", idempotencyKey: key));

            Assert.Equal([200, 409], responses.Select(r => (int)r.StatusCode).Order());
        }
    }

    /// <summary>New user names have at most 64 characters; accounts from before that rule may be longer.</summary>
    [Theory]
    [InlineData("commander", 190)]
    [InlineData("operator", 250)]
    public async Task Long_user_names_report_without_a_500(string role, int length)
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 2);
        var validators = role == "operator" ? new[] { await scenario.ValidatorIdAsync(0) } : [];
        var user = await Infrastructure.TestUsers.CreateAsync(portal, [role], validators);
        var longName = role[0] + new string('x', length - 1);
        await portal.Database.ExecuteAsync($"UPDATE users SET user_name = '{longName}', normalized_user_name = '{longName.ToUpperInvariant()}' WHERE id = '{user.Id}'");
        user = user with { UserName = longName };

        var answer = await Api.OkAsync(await scenario.ReportAsync(portal.CreateApiClient(user.Token), 0, "acknowledged"));

        Assert.Equal("acknowledged", answer.GetProperty("state").GetString());
        var actor = (await scenario.TimelineAsync())[^1].GetProperty("actor").GetString()!;
        Assert.StartsWith(user.UserName[..100], actor, StringComparison.Ordinal);
    }
}
