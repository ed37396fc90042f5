using System.Net;
using System.Text;
using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Web.Api;

/// <summary>Small helpers every API test uses: JSON bodies, problem documents, requests with headers.</summary>
public static class Api
{
    /// <summary>10 million CMT in base units of 10^-18, the seeds' stake per CyberMiles validator.</summary>
    public const string CyberMilesStake = "10000000000000000000000000";

    /// <summary>24 × <see cref="CyberMilesStake"/>.</summary>
    public const string CyberMilesTotal = "240000000000000000000000000";

    public const long HaltHeight = 1_724_747;
    public const string Hotfix = "v0.1.8-beta-hotfix";

    public static readonly string[] Zones =
    [
        "Asia/Taipei", "Asia/Shanghai", "Asia/Shanghai", "Asia/Shanghai", "Asia/Seoul", "Asia/Tokyo", "Asia/Tokyo", "Asia/Singapore",
        "Asia/Hong_Kong", "Asia/Manila", "Asia/Bangkok", "Australia/Sydney", "America/Chicago", "America/Los_Angeles", "America/Los_Angeles",
        "America/New_York", "America/Toronto", "America/New_York", "Europe/Berlin", "Europe/London", "Europe/Zurich", "Europe/Warsaw", "Europe/Kyiv", "Europe/Moscow",
    ];

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static StringContent Json(object value) => Json(JsonSerializer.Serialize(value, JsonSerializerOptions.Web));

    public static Uri Path(string path) => new(path, UriKind.Relative);

    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null, string? idempotencyKey = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(method, Path(path));
        if (body is not null)
        {
            request.Content = body as HttpContent ?? (body is string text ? Json(text) : Json(body));
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Asserts the status, then parses the JSON body.</summary>
    public static async Task<JsonElement> OkAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem document with this status, a title, and (if any) the named fields in <c>errors</c>.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected, params string[] fields)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        var problem = document.RootElement.Clone();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()), body);
        foreach (var field in fields)
        {
            var messages = problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out var found) ? found : default;
            Assert.True(messages.ValueKind == JsonValueKind.Array, $"No errors[\"{field}\"] in {body}");
            Assert.True(messages.GetArrayLength() > 0 && !string.IsNullOrWhiteSpace(messages[0].GetString()), body);
        }

        return problem;
    }

    /// <summary>The names in a problem's <c>errors</c> map.</summary>
    public static string[] ErrorFields(JsonElement problem) =>
        problem.TryGetProperty("errors", out var errors) ? [.. errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)] : [];

    public static object Row(string key, string name, string stake, string? timeZone = null, string? contact = null) =>
        new { key, name, stake, timeZone, contact };
}

/// <summary>
/// A network, an incident on it and its frozen validator set, created through the API with the admin token the
/// way a commander would: by default the CyberMiles halt, 24 validators of equal stake under "more than 2/3".
/// </summary>
public sealed class ApiScenario
{
    private ApiScenario(PortalFactory portal, Guid networkId, string chainId, Guid incidentId, IReadOnlyList<string> keys)
    {
        Portal = portal;
        NetworkId = networkId;
        ChainId = chainId;
        IncidentId = incidentId;
        Keys = keys;
        Admin = portal.CreateApiClient();
    }

    public PortalFactory Portal { get; }
    public Guid NetworkId { get; }
    public string ChainId { get; }
    public Guid IncidentId { get; }
    public IReadOnlyList<string> Keys { get; }
    public HttpClient Admin { get; }

    public string Base => $"/api/v1/incidents/{IncidentId}";

    /// <summary>A stable, address-shaped key for a seat; <paramref name="salt"/> makes it unique per scenario.</summary>
    public static string KeyFor(string salt, int seat) =>
        "0x" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"{salt}-validator-{seat}")))[..40];

    public static async Task<ApiScenario> CreateAsync(
        PortalFactory portal, int count = 24, Func<int, string>? stake = null, object? quorum = null, string? keySalt = null)
    {
        ArgumentNullException.ThrowIfNull(portal);
        var admin = portal.CreateApiClient();
        var tag = Guid.NewGuid().ToString("N")[..10];
        var chainId = $"cybermiles-{tag}";
        var network = await Api.OkAsync(
            await admin.PostAsync(Api.Path("/api/v1/networks"), Api.Json(new { name = "CyberMiles", chainId, quorum = quorum ?? new { numerator = 2, denominator = 3, strict = true } })),
            HttpStatusCode.Created);
        var networkId = network.GetProperty("id").GetGuid();

        var incident = await Api.OkAsync(
            await admin.PostAsync(Api.Path("/api/v1/incidents"), Api.Json(new { networkId, title = "CVM crash halts mainnet at block 1724747", haltHeight = Api.HaltHeight })),
            HttpStatusCode.Created);
        var incidentId = incident.GetProperty("id").GetGuid();

        var salt = keySalt ?? tag;
        var keys = Enumerable.Range(0, count).Select(i => KeyFor(salt, i)).ToList();
        var rows = keys.Select((k, i) => Api.Row(k, $"Validator {i:00}", stake?.Invoke(i) ?? Api.CyberMilesStake, Api.Zones[i % Api.Zones.Length], $"ops{i}@example.org")).ToArray();
        await Api.OkAsync(await admin.PutAsync(Api.Path($"/api/v1/incidents/{incidentId}/validator-set"), Api.Json(new { height = Api.HaltHeight, validators = rows })));
        return new ApiScenario(portal, networkId, chainId, incidentId, keys);
    }

    public async Task<Guid> ValidatorIdAsync(int seat) =>
        await Portal.Database.ScalarAsync<Guid>($"SELECT id FROM validators WHERE network_id = '{NetworkId}' AND key = '{Keys[seat]}'");

    /// <summary>An operator bound to the validators in <paramref name="seats"/>.</summary>
    public async Task<(TestUser User, HttpClient Client)> OperatorAsync(params int[] seats)
    {
        ArgumentNullException.ThrowIfNull(seats);
        var ids = new List<Guid>();
        foreach (var seat in seats)
        {
            ids.Add(await ValidatorIdAsync(seat));
        }

        var user = await TestUsers.CreateAsync(Portal, ["operator"], ids);
        return (user, Portal.CreateApiClient(user.Token));
    }

    public async Task<HttpClient> ClientAsync(string role) => Portal.CreateApiClient((await TestUsers.CreateAsync(Portal, [role])).Token);

    public Task<HttpResponseMessage> ReportAsync(HttpClient client, int seat, string state, string? version = null, string? note = null, string? idempotencyKey = null) =>
        ReportAsync(client, Keys[seat], (object)new { state, version, note }, idempotencyKey);

    public Task<HttpResponseMessage> ReportAsync(HttpClient client, string key, object body, string? idempotencyKey = null) =>
        Api.SendAsync(client, HttpMethod.Post, $"{Base}/validators/{Uri.EscapeDataString(key)}/status", body, idempotencyKey);

    /// <summary>Moves <paramref name="seats"/> to <paramref name="state"/> as the admin, asserting each 200.</summary>
    public async Task ReportAllAsync(string state, IEnumerable<int> seats, string? version = Api.Hotfix)
    {
        foreach (var seat in seats)
        {
            await Api.OkAsync(await ReportAsync(Admin, seat, state, version));
        }
    }

    public async Task<JsonElement> QuorumAsync(HttpClient? client = null) =>
        await Api.OkAsync(await (client ?? Admin).GetAsync(Api.Path($"{Base}/quorum")));

    public async Task<JsonElement> IncidentAsync() =>
        await Api.OkAsync(await Admin.GetAsync(Api.Path(Base)));

    public async Task<JsonElement[]> TimelineAsync(HttpClient? client = null) =>
        [.. (await Api.OkAsync(await (client ?? Admin).GetAsync(Api.Path($"{Base}/timeline")))).EnumerateArray()];

    public async Task<long> RevisionAsync() =>
        await Portal.Database.ScalarAsync<long>($"SELECT revision FROM incidents WHERE id = '{IncidentId}'");

    public async Task<long> TimelineCountAsync() =>
        await Portal.Database.ScalarAsync<long>($"SELECT count(*) FROM timeline_events WHERE incident_id = '{IncidentId}'");

    /// <summary>The stored state of one seat, as the database has it (Pending, Ready, …), with version, note and update time.</summary>
    public async Task<string> StoredRowAsync(int seat) =>
        (await Portal.Database.ScalarAsync<string>(
            $"SELECT concat_ws('|', iv.state, coalesce(iv.version, '-'), coalesce(iv.note, '-'), iv.updated_at::text, coalesce(iv.updated_by, '-')) FROM incident_validators iv JOIN validators v ON v.id = iv.validator_id WHERE iv.incident_id = '{IncidentId}' AND v.key = '{Keys[seat]}'"))!;

    public async Task<string> StoredStateAsync(int seat) =>
        (await Portal.Database.ScalarAsync<string>(
            $"SELECT iv.state FROM incident_validators iv JOIN validators v ON v.id = iv.validator_id WHERE iv.incident_id = '{IncidentId}' AND v.key = '{Keys[seat]}'"))!;

    /// <summary>Drafts a release with one artifact and publishes it, as the admin; returns its id.</summary>
    public async Task<Guid> PublishReleaseAsync(string version = Api.Hotfix)
    {
        var draft = await Api.OkAsync(await Admin.PostAsync(Api.Path($"{Base}/releases"), Api.Json(Release(version))), HttpStatusCode.Created);
        var id = draft.GetProperty("id").GetGuid();
        await Api.OkAsync(await Admin.PostAsync(Api.Path($"/api/v1/releases/{id}/publish"), null));
        return id;
    }

    public static object Release(string version, string sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08") => new
    {
        version,
        notes = $"Upgrade to `{version}`; nodes with a corrupted database restart from the snapshot at **1724748**.",
        artifacts = new[]
        {
            new { platform = "linux-amd64", url = $"https://github.com/CyberMiles/travis/releases/download/{version}/travis_{version}_linux-amd64.tar.gz", sha256, sizeBytes = 48_213_094L },
        },
    };
}
