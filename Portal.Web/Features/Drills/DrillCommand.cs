using System.Globalization;

namespace Portal.Web.Features.Drills;

/// <summary>
/// <c>Portal.Web drill [--url URL] [--token TOKEN] [--validators N] [--seconds-per-hour S] [--seed N] [--network ID]</c>
/// (behind <c>./portal drill</c>): runs a drill against a running portal over its HTTP API. The token may also
/// come from <c>PORTAL_TOKEN</c>. Needs no database: it is a client like any other.
/// </summary>
public static class DrillCommand
{
    public const string Usage = "usage: drill --url http://127.0.0.1:5080 --token TOKEN [--validators 24] [--seconds-per-hour 60] [--seed 1] [--network ID]";

    private static async Task<int> BadAsync(string problem)
    {
        await Console.Error.WriteLineAsync($"{problem}\n{Usage}");
        return 2;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            options[args[i]] = args[i + 1];
        }

        var url = options.GetValueOrDefault("--url", "http://127.0.0.1:5080");
        var token = options.GetValueOrDefault("--token") ?? Environment.GetEnvironmentVariable("PORTAL_TOKEN");
        if (string.IsNullOrWhiteSpace(token) || !Uri.TryCreate(url, UriKind.Absolute, out var portal) || args.Length % 2 != 0)
        {
            await Console.Error.WriteLineAsync(Usage + "\n(the token is an API token of an admin, or of a commander who is also a core developer; PORTAL_TOKEN works too)");
            return 2;
        }

        Guid? networkId = null;
        if (options.TryGetValue("--network", out var network))
        {
            networkId = Guid.TryParse(network, out var id) ? id : null;
            if (networkId is null)
            {
                return await BadAsync("--network is a network's id (a GUID)");
            }
        }

        if (!int.TryParse(options.GetValueOrDefault("--validators", "24"), NumberStyles.None, CultureInfo.InvariantCulture, out var validators)
            || validators is < 1 or > DrillService.MaxValidators)
        {
            return await BadAsync($"--validators is a whole number from 1 to {DrillService.MaxValidators}");
        }

        if (!double.TryParse(options.GetValueOrDefault("--seconds-per-hour", "60"), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var secondsPerHour)
            || !double.IsFinite(secondsPerHour) || secondsPerHour is < 0 or > DrillService.MaxSecondsPerHour)
        {
            return await BadAsync($"--seconds-per-hour is a number of seconds from 0 to {DrillService.MaxSecondsPerHour}");
        }

        if (!int.TryParse(options.GetValueOrDefault("--seed", "1"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seed))
        {
            return await BadAsync("--seed is a whole number");
        }

        var plan = new DrillPlan(NetworkId: networkId, Validators: validators, SecondsPerSimulatedHour: secondsPerHour, Seed: seed);

        using var loggers = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true));
        using var client = DrillSimulator.CreateClient(portal, token);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        try
        {
            var result = await new DrillSimulator(client, TimeProvider.System, loggers.CreateLogger<DrillSimulator>())
                .RunAsync(plan, id => Console.WriteLine($"Drill declared: {new Uri(portal, $"/status/{id}")}"), stop.Token);
            Console.WriteLine($"Drill done: {result.Played.Count} reports, quorum {(result.QuorumReached ? "reached" : "not reached")}: {new Uri(portal, $"/status/{result.IncidentId}")}");
            return 0;
        }
        catch (DrillFailedException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 1;
        }
        catch (HttpRequestException ex)
        {
            await Console.Error.WriteLineAsync($"Could not reach the portal at {portal}: {ex.Message} (is ./portal run running on that port?)");
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }
}
