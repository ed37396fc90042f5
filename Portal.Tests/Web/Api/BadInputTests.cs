using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web.Api;

/// <summary>
/// API.md v1.1, "Conventions added": text a person could type, exact enum names, digits-only stakes. Each row is
/// one bad input to one contract endpoint: the answer is a 400 problem naming the field, never a 500 and never
/// an acceptance, and nothing changes (the incident's revision, its timeline, the user and network counts).
/// </summary>
public sealed class BadInputTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static readonly string[] ObserverRole = ["observer"];

    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static readonly ConcurrentDictionary<PortalFactory, Lazy<Task<World>>> Worlds = new();

    /// <summary>One incident with a validator set, a draft release and a published one, shared by the rows.</summary>
    private sealed record World(ApiScenario Scenario, Guid Draft, Guid Published);

    private Task<World> WorldAsync() => Worlds.GetOrAdd(portal, p => new Lazy<Task<World>>(async () =>
    {
        var scenario = await ApiScenario.CreateAsync(p, count: 4);
        var published = await scenario.PublishReleaseAsync();
        var draft = await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(ApiScenario.Release("v0.1.9"))), HttpStatusCode.Created);
        return new World(scenario, draft.GetProperty("id").GetGuid(), published);
    })).Value;

    private const string Set = """{"height": 1724747, "validators": [{"key": "0xbad-input-1", "name": "Validator", "stake": "5", "contact": "ops@example.org"}]}""";

    public static TheoryData<string, string, string, string> Cases() => new()
    {
        // Users: NUL, length, invisible-only, e-mail shape, control characters in every string.
        { "POST", "/api/v1/users", """{"userName": "bob\u0000", "roles": ["observer"]}""", "userName" },
        { "POST", "/api/v1/users", $$"""{"userName": "{{new string('u', 300)}}", "roles": ["observer"]}""", "userName" },
        { "POST", "/api/v1/users", """{"userName": "\u200B\u200B", "roles": ["observer"]}""", "userName" },
        { "POST", "/api/v1/users", """{"userName": "\uFEFF", "roles": ["observer"]}""", "userName" },
        { "POST", "/api/v1/users", """{"userName": "eve-1", "email": "not-an-email", "roles": ["observer"]}""", "email" },
        { "POST", "/api/v1/users", """{"userName": "eve-2", "email": "eve@localhost", "roles": ["observer"]}""", "email" },
        { "POST", "/api/v1/users", """{"userName": "eve-3", "email": "eve smith@example.org", "roles": ["observer"]}""", "email" },
        { "POST", "/api/v1/users", """{"userName": "eve-4", "email": "eve@@example.org", "roles": ["observer"]}""", "email" },
        { "POST", "/api/v1/users", """{"userName": "eve-5", "email": "eve@example.org\u0000", "roles": ["observer"]}""", "email" },
        { "POST", "/api/v1/users", """{"userName": "eve-6", "roles": ["observer\u0000"]}""", "roles[0]" },
        { "POST", "/api/v1/users", """{"userName": "eve-7", "roles": ["operator"], "validators": [{"networkId": "{network}", "key": "k\u0000"}]}""", "validators[0].key" },

        // Networks: invisible-only names, control characters, single-line fields, strict enums.
        { "POST", "/api/v1/networks", """{"name": "\u200B", "chainId": "c-1"}""", "name" },
        { "POST", "/api/v1/networks", """{"name": "\u202E\u2066\u200F", "chainId": "c-2"}""", "name" },
        { "POST", "/api/v1/networks", """{"name": " \u200D ", "chainId": "c-3"}""", "name" },
        { "POST", "/api/v1/networks", """{"name": "Cyber\u0000Miles", "chainId": "c-4"}""", "name" },
        { "POST", "/api/v1/networks", """{"name": "CyberMiles", "chainId": "c\t5"}""", "chainId" },
        { "POST", "/api/v1/networks", """{"name": "Cyber\nMiles", "chainId": "c-6"}""", "name" },
        { "POST", "/api/v1/networks", """{"name": "Cyber\u0085Miles", "chainId": "c-7"}""", "name" },
        { "POST", "/api/v1/networks", """{"name": "Cyber\u007FMiles", "chainId": "c-8"}""", "name" },
        { "POST", "/api/v1/networks", """{"name": "Cyber\u001BMiles", "chainId": "c-9"}""", "name" },
        { "POST", "/api/v1/networks", """{"name": "CyberMiles", "chainId": "c-10", "quorum": {"numerator": 2, "denominator": 3, "strict": true, "weighting": "stake,count"}}""", "quorum.weighting" },
        { "POST", "/api/v1/networks", """{"name": "CyberMiles", "chainId": "c-11", "quorum": {"numerator": 2, "denominator": 3, "strict": true, "weighting": "Stake"}}""", "quorum.weighting" },
        { "POST", "/api/v1/networks", """{"name": "CyberMiles", "chainId": "c-12", "quorum": {"numerator": 2, "denominator": 3, "strict": true, "weighting": "stake "}}""", "quorum.weighting" },
        { "POST", "/api/v1/networks", """{"name": "CyberMiles", "chainId": "c-13", "quorum": {"numerator": 2, "denominator": 3, "strict": true, "weighting": "count, stake"}}""", "quorum.weighting" },
        { "POST", "/api/v1/networks", """{"name": "CyberMiles", "chainId": "c-14", "quorum": {"numerator": 2, "denominator": 3, "strict": true, "weighting": "1"}}""", "quorum.weighting" },

        // Incidents.
        { "POST", "/api/v1/incidents", """{"networkId": "{network}", "title": "Halt\u0000", "haltHeight": 1}""", "title" },
        { "POST", "/api/v1/incidents", """{"networkId": "{network}", "title": "\u200B\u200C\u2060", "haltHeight": 1}""", "title" },
        { "POST", "/api/v1/incidents", """{"networkId": "{network}", "title": "Halt\nat 1", "haltHeight": 1}""", "title" },
        { "POST", "/api/v1/incidents", """{"networkId": "{network}", "title": "Halt", "haltHeight": 1, "summary": "bell \u0007"}""", "summary" },
        { "POST", "/api/v1/incidents", """{"networkId": "{network}", "title": "Halt", "haltHeight": 1, "summary": "\u200B"}""", "summary" },

        // Validator sets: digits-only stakes, typed text in names and contacts.
        { "PUT", "{incident}/validator-set", Set.Replace("\"5\"", "\" 5 \"", StringComparison.Ordinal), "validators[0].stake" },
        { "PUT", "{incident}/validator-set", Set.Replace("\"5\"", "\"5\\t\"", StringComparison.Ordinal), "validators[0].stake" },
        { "PUT", "{incident}/validator-set", Set.Replace("\"5\"", "\"\\t5\"", StringComparison.Ordinal), "validators[0].stake" },
        { "PUT", "{incident}/validator-set", Set.Replace("\"5\"", "\"5\\n\"", StringComparison.Ordinal), "validators[0].stake" },
        { "PUT", "{incident}/validator-set", Set.Replace("\"5\"", "\"5 000\"", StringComparison.Ordinal), "validators[0].stake" },
        { "PUT", "{incident}/validator-set", Set.Replace("\"Validator\"", "\"\\u200B\"", StringComparison.Ordinal), "validators[0].name" },
        { "PUT", "{incident}/validator-set", Set.Replace("\"Validator\"", "\"\\u2067\\u2069\"", StringComparison.Ordinal), "validators[0].name" },
        { "PUT", "{incident}/validator-set", Set.Replace("\"Validator\"", "\"Valid\\u0000ator\"", StringComparison.Ordinal), "validators[0].name" },
        { "PUT", "{incident}/validator-set", Set.Replace("ops@example.org", "ops\\u0000@example.org", StringComparison.Ordinal), "validators[0].contact" },
        { "PUT", "{incident}/validator-set", Set.Replace("ops@example.org", "\\u0001", StringComparison.Ordinal), "validators[0].contact" },

        // Status reports: exact enum names only, typed text in version and note.
        { "POST", "{incident}/validators/{key}/status", """{"state": "acknowledged, downloading"}""", "state" },
        { "POST", "{incident}/validators/{key}/status", """{"state": "acknowledged,downloading"}""", "state" },
        { "POST", "{incident}/validators/{key}/status", """{"state": "ready "}""", "state" },
        { "POST", "{incident}/validators/{key}/status", """{"state": " ready"}""", "state" },
        { "POST", "{incident}/validators/{key}/status", """{"state": "Ready"}""", "state" },
        { "POST", "{incident}/validators/{key}/status", """{"state": "READY"}""", "state" },
        { "POST", "{incident}/validators/{key}/status", """{"state": "4"}""", "state" },
        { "POST", "{incident}/validators/{key}/status", """{"state": 4}""", "state" },
        { "POST", "{incident}/validators/{key}/status", """{"state": "ready\u0000"}""", "state" },
        { "POST", "{incident}/validators/{key}/status", """{"state": "blocked", "note": "disk\u0000full"}""", "note" },
        { "POST", "{incident}/validators/{key}/status", """{"state": "blocked", "note": "\u200B"}""", "note" },
        { "POST", "{incident}/validators/{key}/status", """{"state": "ready", "version": "v0.1.8\u0000"}""", "version" },
        { "POST", "{incident}/validators/{key}/status", """{"state": "ready", "version": "v0.1.8\nrm -rf"}""", "version" },
        { "POST", "{incident}/validators/{key}/status", """{"state": "ready", "version": "v0.1.8\u009B"}""", "version" },

        // Incident moves: exact enum names.
        { "POST", "{incident}/status", """{"status": "fixing, closed"}""", "status" },
        { "POST", "{incident}/status", """{"status": "Fixing"}""", "status" },
        { "POST", "{incident}/status", """{"status": "fixing "}""", "status" },

        // Releases.
        { "POST", "{incident}/releases", $$"""{"version": "v1\u0000", "notes": "n", "artifacts": [{"platform": "linux", "url": "https://example.org/a.tar.gz", "sha256": "{{Sha}}", "sizeBytes": 1}]}""", "version" },
        { "POST", "{incident}/releases", $$"""{"version": "v2", "notes": "n\u0000", "artifacts": [{"platform": "linux", "url": "https://example.org/a.tar.gz", "sha256": "{{Sha}}", "sizeBytes": 1}]}""", "notes" },
        { "POST", "{incident}/releases", $$"""{"version": "v3", "notes": "n", "artifacts": [{"platform": "\u200B", "url": "https://example.org/a.tar.gz", "sha256": "{{Sha}}", "sizeBytes": 1}]}""", "artifacts[0].platform" },
        { "POST", "{incident}/releases", $$"""{"version": "v4", "notes": "n", "artifacts": [{"platform": "linux", "url": "https://example.org/a\u0000.tar.gz", "sha256": "{{Sha}}", "sizeBytes": 1}]}""", "artifacts[0].url" },
        { "POST", "{incident}/releases", $$"""{"version": "\uFEFF\u200E", "notes": "n", "artifacts": [{"platform": "linux", "url": "https://example.org/a.tar.gz", "sha256": "{{Sha}}", "sizeBytes": 1}]}""", "version" },
        { "PUT", "/api/v1/releases/{draft}", $$"""{"version": "v5\u0000", "notes": "n", "artifacts": [{"platform": "linux", "url": "https://example.org/a.tar.gz", "sha256": "{{Sha}}", "sizeBytes": 1}]}""", "version" },
        { "POST", "/api/v1/releases/{published}/withdraw", """{"reason": "bad\u0000build"}""", "reason" },
        { "POST", "/api/v1/releases/{published}/withdraw", """{"reason": "\u200B\u200B"}""", "reason" },

        // Snapshots: names and keys that are paths, absurd sizes, typed text.
        { "POST", "{incident}/snapshots", $$"""{"height": 1, "blockHash": "0xabc", "sha256": "{{Sha}}", "sizeBytes": 10, "fileName": ".."}""", "fileName" },
        { "POST", "{incident}/snapshots", $$"""{"height": 1, "blockHash": "0xabc", "sha256": "{{Sha}}", "sizeBytes": 10, "fileName": "."}""", "fileName" },
        { "POST", "{incident}/snapshots", $$"""{"height": 1, "blockHash": "0xabc", "sha256": "{{Sha}}", "sizeBytes": 10, "fileName": "a\u0000.tar"}""", "fileName" },
        { "POST", "{incident}/snapshots", $$"""{"height": 1, "blockHash": "0xabc", "sha256": "{{Sha}}", "sizeBytes": 10, "fileName": "a.tar", "blobKey": "../../etc/passwd"}""", "blobKey" },
        { "POST", "{incident}/snapshots", $$"""{"height": 1, "blockHash": "0xabc", "sha256": "{{Sha}}", "sizeBytes": 10, "fileName": "a.tar", "blobKey": "/etc/passwd"}""", "blobKey" },
        { "POST", "{incident}/snapshots", $$"""{"height": 1, "blockHash": "0xabc", "sha256": "{{Sha}}", "sizeBytes": 10, "fileName": "a.tar", "blobKey": "snapshots/../../x"}""", "blobKey" },
        { "POST", "{incident}/snapshots", $$"""{"height": 1, "blockHash": "0xabc", "sha256": "{{Sha}}", "sizeBytes": 10, "fileName": "a.tar", "blobKey": "snapshots/x/.."}""", "blobKey" },
        { "POST", "{incident}/snapshots", $$"""{"height": 1, "blockHash": "0xabc", "sha256": "{{Sha}}", "sizeBytes": 10, "fileName": "a.tar", "blobKey": "snapshots\\..\\x"}""", "blobKey" },
        { "POST", "{incident}/snapshots", $$"""{"height": 1, "blockHash": "0xabc", "sha256": "{{Sha}}", "sizeBytes": 9200000000000000000, "fileName": "a.tar"}""", "sizeBytes" },
        { "POST", "{incident}/snapshots", $$"""{"height": 1, "blockHash": "0xabc", "sha256": "{{Sha}}", "sizeBytes": 5497558138881, "fileName": "a.tar"}""", "sizeBytes" },
        { "POST", "{incident}/snapshots", $$"""{"height": 1, "blockHash": "\u200B", "sha256": "{{Sha}}", "sizeBytes": 10, "fileName": "a.tar"}""", "blockHash" },
        { "POST", "{incident}/snapshots", $$"""{"height": 1, "blockHash": "0xabc", "sha256": "{{Sha}}", "sizeBytes": 10, "fileName": "a.tar", "notes": "n\u0000"}""", "notes" },
        { "POST", "{incident}/snapshots", $$"""{"height": 1, "blockHash": "0xabc", "sha256": "{{Sha}}", "sizeBytes": 10, "fileName": "a.tar", "notes": "two\nlines"}""", "notes" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_is_a_400_naming_the_field_and_changes_nothing(string method, string path, string body, string field)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(body);
        var world = await WorldAsync();
        var scenario = world.Scenario;
        string Fill(string text) => text
            .Replace("{incident}", scenario.Base, StringComparison.Ordinal)
            .Replace("{network}", scenario.NetworkId.ToString(), StringComparison.Ordinal)
            .Replace("{key}", scenario.Keys[0], StringComparison.Ordinal)
            .Replace("{draft}", world.Draft.ToString(), StringComparison.Ordinal)
            .Replace("{published}", world.Published.ToString(), StringComparison.Ordinal);
        var before = await CountsAsync(scenario);

        var response = await Api.SendAsync(scenario.Admin, new HttpMethod(method), Fill(path), Api.Json(Fill(body)));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest, field);
        Assert.Equal(before, await CountsAsync(scenario));
        Assert.DoesNotContain("Exception", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tabs_and_newlines_are_kept_in_multi_line_fields()
    {
        var scenario = (await WorldAsync()).Scenario;

        var response = await scenario.ReportAsync(scenario.Admin, 1, "blocked", note: "disk full\r\n\tretrying at 05:00");

        var answer = await Api.OkAsync(response);
        Assert.Equal("blocked", answer.GetProperty("state").GetString());
        Assert.Contains("\n\tretrying", await scenario.StoredRowAsync(1), StringComparison.Ordinal);
    }

    /// <summary>A 2,000-character note whose emoji straddles the timeline's cut: the entry keeps whole characters only.</summary>
    [Fact]
    public async Task A_long_note_cut_for_the_timeline_never_splits_an_emoji()
    {
        var scenario = (await WorldAsync()).Scenario;
        var note = string.Concat(Enumerable.Repeat("🔥", 1_000)); // 2,000 UTF-16 units, every one half of a pair

        var response = await scenario.ReportAsync(scenario.Admin, 2, "blocked", note: note);

        await Api.OkAsync(response);
        var last = (await scenario.TimelineAsync())[^1].GetProperty("summary").GetString()!;
        Assert.EndsWith("…", last, StringComparison.Ordinal);
        Assert.Null(Portal.Domain.Text.Problem(last, multiLine: true));
    }

    [Fact]
    public async Task Twenty_parallel_creations_of_one_user_name_give_one_201_and_nineteen_409s()
    {
        var admin = portal.CreateApiClient();
        var name = "race-" + Guid.NewGuid().ToString("N")[..8];

        // Make the race certain: every request passes the "already exists?" checks, then waits to insert.
        await using var blocker = new Npgsql.NpgsqlConnection(portal.Database.ConnectionString);
        await blocker.OpenAsync();
        var hold = await blocker.BeginTransactionAsync();
        await using (var command = new Npgsql.NpgsqlCommand("LOCK TABLE users IN SHARE MODE", blocker, hold))
        {
            await command.ExecuteNonQueryAsync();
        }

        var pending = Enumerable.Range(0, 20).Select(_ =>
            admin.PostAsync(Api.Path("/api/v1/users"), Api.Json(new { userName = name, roles = ObserverRole }))).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var raced = false;
        while (!raced && DateTime.UtcNow < deadline)
        {
            await using var waiting = new Npgsql.NpgsqlCommand(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'users'::regclass", blocker, hold);
            raced = (long)(await waiting.ExecuteScalarAsync())! >= 2;
            await Task.Delay(20);
        }

        await Task.Delay(500); // let the others catch up; two at once already make the race certain

        await hold.RollbackAsync();
        await hold.DisposeAsync();
        var answers = await Task.WhenAll(pending);
        Assert.True(raced, "no two creations ever waited on their insert at once");

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(19, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));
        foreach (var conflict in answers.Where(a => a.StatusCode == HttpStatusCode.Conflict))
        {
            await Api.ProblemAsync(conflict, HttpStatusCode.Conflict);
        }

        Assert.Equal(1L, await portal.Database.ScalarAsync<long>($"SELECT count(*) FROM users WHERE user_name = '{name}'"));
    }

    [Fact]
    public async Task Enum_names_are_listed_in_the_openapi_schema()
    {
        using var document = JsonDocument.Parse(await portal.CreateClient().GetStringAsync(Api.Path("/openapi/v1.json")));

        var text = document.RootElement.GetRawText();

        Assert.Contains("\"acknowledged\"", text, StringComparison.Ordinal);
        Assert.Contains("\"quorumReached\"", text, StringComparison.Ordinal);
    }

    private static async Task<string> CountsAsync(ApiScenario scenario) =>
        string.Join('/',
            await scenario.RevisionAsync(),
            await scenario.TimelineCountAsync(),
            await scenario.Portal.Database.ScalarAsync<long>("SELECT count(*) FROM users"),
            await scenario.Portal.Database.ScalarAsync<long>("SELECT count(*) FROM networks"),
            await scenario.Portal.Database.ScalarAsync<long>("SELECT count(*) FROM snapshots"),
            await scenario.Portal.Database.ScalarAsync<long>("SELECT count(*) FROM releases"));
}
