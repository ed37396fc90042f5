using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Web.Features.Accounts;
using Portal.Web.Features.Incidents;
using Portal.Web.Features.Releases;

namespace Portal.Web.Features.Demo;

/// <summary>
/// Seeds the CyberMiles halt of 26 May 2019 as a demo drill: 24 validators with equal stake under "more than
/// 2/3", so 17 must be ready, stopped at height 1724747. The timeline carries the story's own times
/// (<see cref="DemoStory"/>): halt at 05:00 EST, fix at 17:00, North America ready by 17:30, where seeding stops
/// and <see cref="DemoTimeLapse"/> (when enabled) plays the rest. Runs once; a network with the demo chain id means done.
/// </summary>
public sealed partial class DemoSeeder(PortalDbContext db, IServiceProvider services, CallerAccess access, TimeProvider clock, ILogger<DemoSeeder> logger)
{
    public const string ChainId = "cybermiles-mainnet";
    public const long HaltHeight = 1_724_747;
    public const string HotfixVersion = "v0.1.8-beta-hotfix";

    /// <summary>10 million CMT each, in base units of 10^-18.</summary>
    public static readonly Stake StakePerValidator = Stake.FromUnits(UInt128.Parse("10000000000000000000000000", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Operators spread the way the postmortem describes: North America first, Asia asleep.</summary>
    public static readonly (string Name, string TimeZone)[] Operators =
    [
        ("Taipei CVM Labs", "Asia/Taipei"), ("Beijing Chain Ops", "Asia/Shanghai"), ("Shenzhen Stake", "Asia/Shanghai"),
        ("Hangzhou Validator Co", "Asia/Shanghai"), ("Seoul Node", "Asia/Seoul"), ("Tokyo Block Works", "Asia/Tokyo"),
        ("Osaka Staking", "Asia/Tokyo"), ("Singapore Relay", "Asia/Singapore"), ("Hong Kong Ledger", "Asia/Hong_Kong"),
        ("Manila Nodes", "Asia/Manila"), ("Bangkok Bonded", "Asia/Bangkok"), ("Sydney Consensus", "Australia/Sydney"),
        ("Austin Validators", "America/Chicago"), ("Los Angeles Stake", "America/Los_Angeles"), ("Seattle Signers", "America/Los_Angeles"),
        ("New York Node", "America/New_York"), ("Toronto Staking", "America/Toronto"), ("Miami Block", "America/New_York"),
        ("Berlin Bonded", "Europe/Berlin"), ("London Ledger", "Europe/London"), ("Zug Validator AG", "Europe/Zurich"),
        ("Warsaw Nodes", "Europe/Warsaw"), ("Kyiv Consensus", "Europe/Kyiv"), ("Moscow Stake", "Europe/Moscow"),
    ];

    public async Task SeedAsync(CancellationToken cancellationToken = default)
    {
        if (await db.Networks.AnyAsync(n => n.ChainId == ChainId, cancellationToken))
        {
            return;
        }

        access.TrustAsSystem();
        var halt = DemoStory.HaltFor(clock.GetUtcNow());
        var story = new StoryClock(halt);
        var writes = ActivatorUtilities.CreateInstance<IncidentWrites>(services, story);
        var releases = ActivatorUtilities.CreateInstance<ReleaseService>(services, writes);

        var network = Network.Create("CyberMiles", ChainId, QuorumRule.TwoThirdsOfStake, halt, DisplayUnit.Create(18, "CMT"));
        var validators = Operators
            .Select((op, i) => Validator.Register(network, ValidatorKey.Create(DemoKey(i)), op.Name, op.TimeZone, $"ops@{Slug(op.Name)}.example", halt))
            .ToList();

        db.Networks.Add(network);
        db.Validators.AddRange(validators);
        await db.SaveChangesAsync(cancellationToken);

        var incident = await writes.DeclareAsync(
            network,
            "CVM crash halts mainnet at block 1724747",
            BlockHeight.Create(HaltHeight),
            """
            A contract-creation transaction without gas hit a null target address in the CVM's free-gas check and
            crashed every node at block **1724747**. Upgrade to `v0.1.8-beta-hotfix`; nodes whose database was
            corrupted by the crash restart from the verified snapshot at 1724748.

            *A drill replaying the CyberMiles halt of May 2019 on its own clock: 05:00 EST halt, 17:00 fix, 22:00 quorum.*
            """,
            Actor,
            drill: true,
            cancellationToken);

        story.Now = DemoStory.At(halt, DemoStory.SetFrozen);
        await writes.ChangeAsync(incident.Id, Actor, async change =>
        {
            await change.LoadValidatorsAsync(cancellationToken);
            change.Incident.ImportValidatorSet(BlockHeight.Create(HaltHeight), [.. validators.Select(v => new ValidatorStake(v.Id, StakePerValidator))], change.Now);
            change.Record(TimelineKinds.ValidatorSet, $"Validator set frozen at block {HaltHeight}: {validators.Count} validators with equal stake.");
            change.Incident.MoveTo(IncidentStatus.Fixing, quorumReached: false, reason: null, change.Now);
            change.Record(TimelineKinds.StatusChanged, "Status: investigating → fixing.");
            return true;
        }, cancellationToken);

        story.Now = DemoStory.At(halt, DemoStory.Drafted);
        var hotfix = await releases.DraftAsync(incident.Id, HotfixVersion, """
            Fixes the null-pointer crash in the CVM's free-gas rules for contract-creation transactions.

            1. Stop the node (Ctrl-C).
            2. Back up your config files.
            3. Install the binary below, verify its checksum, restart with your backed-up config.

            If your node's database was corrupted by the crash, restart from the snapshot at height 1724748.
            """, [Artifact.Create("linux-amd64", "https://example.org/travis/releases/v0.1.8-beta-hotfix/travis_linux_amd64.tar.gz",
                Sha256Digest.Parse("9f2c1a7d3b5e8f0a4c6d2e1b7a9f3c5d8e0b2a4c6f1d3e5a7b9c0d2e4f6a8b1c"), 24_117_248)], Actor, cancellationToken);
        story.Now = DemoStory.At(halt, DemoStory.Published);
        await releases.PublishAsync(hotfix.Id, Actor, cancellationToken: cancellationToken);
        await writes.ChangeAsync(incident.Id, Actor, change =>
        {
            change.Incident.MoveTo(IncidentStatus.Coordinating, quorumReached: false, reason: null, change.Now);
            change.Record(TimelineKinds.StatusChanged, "Status: fixing → coordinating.");
            return Task.FromResult(true);
        }, cancellationToken);

        // North America woke first; Asia was asleep (the postmortem's 5 pm and 10 pm EST).
        foreach (var step in DemoStory.Steps.Where(s => s.Est <= DemoStory.SeededUntil))
        {
            story.Now = DemoStory.At(halt, step.Est);
            await ApplyAsync(writes, incident.Id, validators[step.Seat], step.State, cancellationToken);
        }

        var needed = Quorum.RequiredWeight(network.Quorum, new BigInteger(validators.Count));
        LogSeeded(network.Name, validators.Count, needed);
    }

    /// <summary>One validator's report, as the operator would make it, at the writer's (story) time.</summary>
    internal static Task ApplyAsync(IncidentWrites writes, Guid incidentId, Validator validator, ValidatorState state, CancellationToken cancellationToken) =>
        writes.ChangeAsync(incidentId, Actor, async change =>
        {
            await change.LoadValidatorAsync(validator.Id, cancellationToken);
            var report = change.Incident.Report(validator.Id, state, state >= ValidatorState.Upgraded ? HotfixVersion : null, null, validator.Name, false, change.Now, HotfixVersion);
            if (report is null)
            {
                return false;
            }

            change.Record(TimelineKinds.ValidatorStatus, IncidentService.Describe(validator.Name, report), validator.Name);
            Forecast.ValidatorReportLog.Add(change, report, validator.Name);
            change.ValidatorChanged(validator.Id);
            return true;
        }, cancellationToken);

    internal const string Actor = "demo";

    /// <summary>A stable, address-shaped key per seat so that reseeding produces the same keys.</summary>
    internal static string DemoKey(int seat) =>
        "0x" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"cybermiles-demo-validator-{seat}")))[..40];

    private static string Slug(string name) => name.ToLowerInvariant().Replace(' ', '-');

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded demo network {Network} with {Validators} validators; {Needed} must be ready")]
    private partial void LogSeeded(string network, int validators, BigInteger needed);
}
