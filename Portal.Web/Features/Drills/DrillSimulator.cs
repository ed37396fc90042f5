using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Portal.Domain;

namespace Portal.Web.Features.Drills;

/// <summary>A simulated validator: its key, name, time zone and stake (base units, digits).</summary>
public sealed record DrillValidator(string Key, string Name, string TimeZone, string Stake);

/// <summary>What a drill runs.</summary>
/// <param name="NetworkId">The network to drill on; null creates a drill network (that needs an admin's token).</param>
/// <param name="Validators">How many simulated validators, spread over the time zones of <see cref="DrillSchedule.Zones"/>.</param>
/// <param name="SecondsPerSimulatedHour">Real seconds per simulated hour: 60 is one simulated hour per real minute.</param>
/// <param name="Seed">Seeds the response times, so a drill can be run again exactly.</param>
/// <param name="SimulatedStart">Where the simulated clock starts (the release is published then); null is now.</param>
public sealed record DrillPlan(
    Guid? NetworkId = null,
    int Validators = 24,
    double SecondsPerSimulatedHour = 60,
    int Seed = 1,
    DateTimeOffset? SimulatedStart = null);

/// <summary>One simulated report: which validator moves to which state, at which simulated time.</summary>
public sealed record DrillReport(DateTimeOffset SimulatedAt, DrillValidator Validator, ValidatorState State);

public sealed record DrillResult(Guid IncidentId, Guid NetworkId, IReadOnlyList<DrillReport> Played, bool QuorumReached);

/// <summary>
/// When simulated operators respond: each sees the release at its first waking moment (08:00–22:00 local, in
/// its own time zone, on the simulated clock), then takes a response time drawn from the seed to acknowledge,
/// download, upgrade and report ready. Pure: the clock comes in as the simulated start.
/// </summary>
public static class DrillSchedule
{
    public static readonly TimeSpan WakeUp = TimeSpan.FromHours(8);
    public static readonly TimeSpan Sleep = TimeSpan.FromHours(22);

    /// <summary>Roughly where validators run: Asia heavy, as on most proof-of-stake chains.</summary>
    public static readonly IReadOnlyList<string> Zones =
    [
        "Asia/Shanghai", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "Asia/Seoul", "America/Los_Angeles", "Asia/Singapore",
        "Europe/London", "Asia/Hong_Kong", "America/Chicago", "Europe/Moscow", "Australia/Sydney", "Asia/Shanghai", "Asia/Kolkata",
        "America/Sao_Paulo", "Europe/Paris", "Asia/Shanghai", "America/Toronto", "Asia/Taipei", "Europe/Warsaw", "Asia/Tokyo",
        "Africa/Lagos", "Asia/Bangkok", "America/Denver",
    ];

    /// <summary>
    /// The simulated set: validator <c>i</c> holds 1,000,000 + 37,000·i whole units of the network's display unit,
    /// that is times 10^<paramref name="decimals"/> base units, so a network counting 18 decimals reads
    /// "1,000,000 CMT" rather than a dust amount. Where the largest stake would pass the 38 digits a stake may have,
    /// the scale drops to the largest power of ten that still fits (the stakes are then fractions of a unit).
    /// </summary>
    public static IReadOnlyList<DrillValidator> Validators(int count, string run, int decimals = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(decimals);
        var scale = Scale(WholeStake(count - 1), decimals);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var zone = Zones[i % Zones.Count];
            var city = zone[(zone.IndexOf('/', StringComparison.Ordinal) + 1)..].Replace('_', ' ');
            var key = "0x" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"drill-{run}-{i}")))[..40];
            return new DrillValidator(key, $"Drill {city} {i + 1}", zone, (WholeStake(i) * scale).ToString(CultureInfo.InvariantCulture));
        })];
    }

    /// <summary>Validator <paramref name="index"/>'s stake in whole units of the display unit.</summary>
    private static UInt128 WholeStake(int index) => 1_000_000 + ((UInt128)(uint)index * 37_000);

    /// <summary>10^decimals, or the largest smaller power of ten by which <paramref name="largest"/> stays a valid stake.</summary>
    private static UInt128 Scale(UInt128 largest, int decimals)
    {
        var scale = UInt128.One;
        for (var i = 0; i < decimals && largest * scale <= Stake.MaxValue / 10; i++)
        {
            scale *= 10;
        }

        return scale;
    }

    /// <summary>The first moment at or after <paramref name="at"/> when an operator in <paramref name="zone"/> is awake.</summary>
    public static DateTimeOffset NextAwake(DateTimeOffset at, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = TimeZoneInfo.ConvertTime(at, zone);
        if (local.TimeOfDay >= WakeUp && local.TimeOfDay < Sleep)
        {
            return at;
        }

        var day = local.TimeOfDay >= Sleep ? local.Date.AddDays(1) : local.Date;
        var wake = day + WakeUp;
        return new DateTimeOffset(wake, zone.GetUtcOffset(wake));
    }

    public static IReadOnlyList<DrillReport> Plan(IReadOnlyList<DrillValidator> validators, DateTimeOffset start, int seed)
    {
        ArgumentNullException.ThrowIfNull(validators);
        var random = new Random(seed);
        var reports = new List<DrillReport>();
        foreach (var validator in validators)
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(validator.TimeZone);
            var at = NextAwake(start, zone).AddMinutes(random.Next(5, 46));
            reports.Add(new DrillReport(at, validator, ValidatorState.Acknowledged));
            at = at.AddMinutes(random.Next(5, 16));
            reports.Add(new DrillReport(at, validator, ValidatorState.Downloading));
            at = at.AddMinutes(random.Next(10, 31));
            reports.Add(new DrillReport(at, validator, ValidatorState.Upgraded));
            at = at.AddMinutes(random.Next(2, 11));
            reports.Add(new DrillReport(at, validator, ValidatorState.Ready));
        }

        return [.. reports.OrderBy(r => r.SimulatedAt).ThenBy(r => r.Validator.Key, StringComparer.Ordinal)];
    }
}

/// <summary>
/// Runs a drill against a running portal through its public HTTP API, as real tools would: declares a drill
/// incident, freezes a simulated validator set, drafts and publishes a release, then reports for each simulated
/// validator on the compressed clock. The caller's bearer token decides what it may do: declaring and the set need
/// a commander, the release a core developer, a new network an admin; an admin's token does it all.
/// </summary>
public sealed partial class DrillSimulator(HttpClient api, TimeProvider clock, ILogger<DrillSimulator> logger)
{
    public const string ReleaseVersion = "v1.0.1-drill";
    /// <summary>The display unit of a network the simulator creates itself.</summary>
    public const string DrillSymbol = "DRILL";

    private const long DrillHeight = 1_000_000;

    public static HttpClient CreateClient(Uri portal, string token, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(portal);
        var client = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        client.BaseAddress = portal;
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public Task<DrillResult> RunAsync(DrillPlan plan, CancellationToken cancellationToken = default) => RunAsync(plan, null, cancellationToken);

    /// <param name="declared">Told the incident's id as soon as it is declared.</param>
    public async Task<DrillResult> RunAsync(DrillPlan plan, Action<Guid>? declared, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var run = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        // A network of its own counts whole DRILL; an existing one is read for its unit, so stakes are whole tokens of it.
        Guid networkId;
        int decimals;
        using (var network = plan.NetworkId is { } existing
            ? await SendAsync(HttpMethod.Get, $"/api/v1/networks/{existing}", null, cancellationToken)
            : await SendAsync(HttpMethod.Post, "/api/v1/networks", new
            {
                name = $"Drill network {run}",
                chainId = $"drill-{run}",
                quorum = new { numerator = 2, denominator = 3, strict = true, weighting = "stake" },
                decimals = 0,
                symbol = DrillSymbol,
            }, cancellationToken))
        {
            networkId = network.RootElement.GetProperty("id").GetGuid();
            decimals = network.RootElement.GetProperty("decimals").GetInt32();
        }

        var incidentId = Id(await SendAsync(HttpMethod.Post, "/api/v1/incidents", new
        {
            networkId,
            title = $"Drill {run}: simulated halt at block {DrillHeight}",
            haltHeight = DrillHeight,
            summary = "A drill: simulated validators respond on a compressed clock, each in its own time zone.",
            drill = true,
        }, cancellationToken));
        LogDeclared(incidentId, plan.Validators, plan.SecondsPerSimulatedHour);
        declared?.Invoke(incidentId);

        var validators = DrillSchedule.Validators(plan.Validators, run, decimals);
        await SendAsync(HttpMethod.Put, $"/api/v1/incidents/{incidentId}/validator-set", new
        {
            height = DrillHeight,
            validators = validators.Select(v => new { key = v.Key, name = v.Name, stake = v.Stake, timeZone = v.TimeZone }),
        }, cancellationToken);
        await SendAsync(HttpMethod.Post, $"/api/v1/incidents/{incidentId}/status", new { status = "fixing" }, cancellationToken);
        var releaseId = Id(await SendAsync(HttpMethod.Post, $"/api/v1/incidents/{incidentId}/releases", new
        {
            version = ReleaseVersion,
            notes = "The drill's hotfix. Nothing to install: simulated validators report on their own.",
            artifacts = new[] { new { platform = "linux-amd64", url = "https://example.org/drill/node-linux-amd64.tar.gz", sha256 = new string('0', 63) + "1", sizeBytes = 1024 } },
        }, cancellationToken));
        await SendAsync(HttpMethod.Post, $"/api/v1/releases/{releaseId}/publish", null, cancellationToken);
        await SendAsync(HttpMethod.Post, $"/api/v1/incidents/{incidentId}/status", new { status = "coordinating" }, cancellationToken);

        // The simulated clock starts as the release goes out; real time runs SecondsPerSimulatedHour per simulated hour.
        var start = plan.SimulatedStart ?? clock.GetUtcNow();
        var schedule = DrillSchedule.Plan(validators, start, plan.Seed);
        var realStart = clock.GetTimestamp();
        var played = new List<DrillReport>();
        foreach (var report in schedule)
        {
            var due = TimeSpan.FromSeconds((report.SimulatedAt - start).TotalHours * plan.SecondsPerSimulatedHour);
            var wait = due - clock.GetElapsedTime(realStart);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, clock, cancellationToken);
            }

            await SendAsync(HttpMethod.Post, $"/api/v1/incidents/{incidentId}/validators/{report.Validator.Key}/status", new
            {
                state = ValidatorTransitions.Name(report.State),
                version = report.State >= ValidatorState.Upgraded ? ReleaseVersion : null,
            }, cancellationToken);
            played.Add(report);
            LogReported(report.SimulatedAt, report.Validator.Name, report.Validator.TimeZone, report.State);
        }

        using var quorum = await SendAsync(HttpMethod.Get, $"/api/v1/incidents/{incidentId}/quorum", null, cancellationToken);
        return new DrillResult(incidentId, networkId, played, quorum.RootElement.GetProperty("reached").GetBoolean());
    }

    private static Guid Id(JsonDocument document)
    {
        using (document)
        {
            return document.RootElement.GetProperty("id").GetGuid();
        }
    }

    private async Task<JsonDocument> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await api.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new DrillFailedException($"{method} {path} answered {(int)response.StatusCode}: {ProblemText(text)}");
        }

        return JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "{}" : text);
    }

    /// <summary>What a problem document says (its title and detail), for people reading the drill's state; other answers as they came.</summary>
    private static string ProblemText(string text)
    {
        try
        {
            using var problem = JsonDocument.Parse(text);
            var root = problem.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String)
            {
                return root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String ? $"{title.GetString()}. {detail.GetString()}" : title.GetString()!;
            }
        }
        catch (JsonException)
        {
            // Not JSON: shown as it came, cut below.
        }

        return Portal.Domain.Text.Truncate(text, 300);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Drill incident {IncidentId} declared with {Validators} simulated validators, {Seconds} s per simulated hour")]
    private partial void LogDeclared(Guid incidentId, int validators, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{SimulatedAt:u} {Validator} ({TimeZone}) reports {State}")]
    private partial void LogReported(DateTimeOffset simulatedAt, string validator, string timeZone, ValidatorState state);
}

/// <summary>The portal refused a step of the drill; the message holds its answer.</summary>
public sealed class DrillFailedException(string message) : Exception(message);
