using System.Numerics;
using System.Reflection;
using Portal.Domain;

namespace Portal.Tests.Domain;

public sealed class AggregateTests
{
    private static readonly DateTimeOffset T0 = new(2019, 5, 21, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T1 = T0.AddMinutes(30);
    private static readonly DateTimeOffset T2 = T0.AddHours(2);

    private static Network CyberMiles() => Network.Create("CyberMiles", "cmt-mainnet", QuorumRule.TwoThirdsOfStake, T0);

    private static Incident Halt() => Incident.Declare(CyberMiles(), "Halt at 1,000,000", BlockHeight.Create(1_000_000), null, T0);

    /// <summary>
    /// The domain has no public way yet to record a report on an incident validator, so the tests set the
    /// state through its private setter to check that a re-import keeps it.
    /// </summary>
    private static void SetState(IncidentValidator validator, ValidatorState state) =>
        typeof(IncidentValidator).GetProperty(nameof(IncidentValidator.State), BindingFlags.Public | BindingFlags.Instance)!
            .SetValue(validator, state);

    // ---- Network ----

    [Theory]
    [InlineData("", "cmt", "The name is required.")]
    [InlineData("   ", "cmt", "The name is required.")]
    [InlineData("\t\n", "cmt", "The name is required.")]
    [InlineData("CyberMiles", "", "The chain id is required.")]
    [InlineData("CyberMiles", "  ", "The chain id is required.")]
    public void NetworkCreateRejectsEmptyText(string name, string chainId, string message)
    {
        var ex = Assert.Throws<DomainException>(() => Network.Create(name, chainId, QuorumRule.TwoThirdsOfStake, T0));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void NetworkCreateRejectsNullAndOverlongNames()
    {
        Assert.Throws<DomainException>(() => Network.Create(null!, "cmt", QuorumRule.TwoThirdsOfStake, T0));
        var ex = Assert.Throws<DomainException>(() => Network.Create(new string('n', Limits.NetworkNameMax + 1), "cmt", QuorumRule.TwoThirdsOfStake, T0));
        Assert.Equal("The name must be at most 100 characters.", ex.Message);
        Assert.Throws<ArgumentNullException>(() => Network.Create("CyberMiles", "cmt", null!, T0));
    }

    [Fact]
    public void NetworkCreateTrimsAndKeepsTheRule()
    {
        var rule = QuorumRule.Create(29, 43, strict: false, QuorumWeighting.Count);

        var network = Network.Create("  CyberMiles  ", " cmt-mainnet ", rule, T0);

        Assert.Equal("CyberMiles", network.Name);
        Assert.Equal("cmt-mainnet", network.ChainId);
        Assert.Same(rule, network.Quorum);
        Assert.Equal(T0, network.CreatedAt);
        Assert.NotEqual(Guid.Empty, network.Id);
        Assert.Equal(new string('n', 100), Network.Create(new string('n', 100), "c", rule, T0).Name);
    }

    // ---- Validator ----

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void ValidatorRegisterRejectsEmptyName(string name)
    {
        var ex = Assert.Throws<DomainException>(() => Validator.Register(CyberMiles(), ValidatorKey.Create("cmtvaloper1abc"), name, null, null, T0));
        Assert.Equal("The validator name is required.", ex.Message);
    }

    [Fact]
    public void ValidatorRegisterTrimsAndDropsBlankOptionals()
    {
        var network = CyberMiles();

        var validator = Validator.Register(network, ValidatorKey.Create(" cmtvaloper1abc "), " Staked ", "  ", " ops@example.org ", T0);

        Assert.Equal(network.Id, validator.NetworkId);
        Assert.Equal("cmtvaloper1abc", validator.Key);
        Assert.Equal("Staked", validator.Name);
        Assert.Null(validator.TimeZone);
        Assert.Equal("ops@example.org", validator.Contact);
        Assert.Throws<DomainException>(() => Validator.Register(network, ValidatorKey.Create("k"), "n", new string('z', Limits.TimeZoneMax + 1), null, T0));
    }

    // ---- ValidatorKey ----

    [Theory]
    [InlineData(null, "The validator key is required.")]
    [InlineData("", "The validator key is required.")]
    [InlineData("   ", "The validator key is required.")]
    [InlineData("cmt valoper", "The validator key cannot contain spaces, control characters or '/'.")]
    [InlineData("cmt\tvaloper", "The validator key cannot contain spaces, control characters or '/'.")]
    [InlineData("cmt\u00A0valoper", "The validator key cannot contain spaces, control characters or '/'.")]
    [InlineData("cmt\u0000valoper", "The validator key cannot contain spaces, control characters or '/'.")]
    [InlineData("cmt/valoper", "The validator key cannot contain spaces, control characters or '/'.")]
    [InlineData("/", "The validator key cannot contain spaces, control characters or '/'.")]
    public void ValidatorKeyRejectsBadText(string? text, string message)
    {
        Assert.False(ValidatorKey.TryCreate(text, out _, out var error));
        Assert.Equal(message, error);
    }

    [Fact]
    public void ValidatorKeyRejectsOverLength()
    {
        Assert.True(ValidatorKey.TryCreate(new string('k', Limits.ValidatorKeyMax), out var key, out _));
        Assert.Equal(200, key.Value.Length);

        Assert.False(ValidatorKey.TryCreate(new string('k', Limits.ValidatorKeyMax + 1), out _, out var error));
        Assert.Equal("The validator key must be at most 200 characters.", error);

        var ex = Assert.Throws<DomainException>(() => ValidatorKey.Create(new string('k', 201)));
        Assert.Equal(error, ex.Message);
    }

    [Theory]
    [InlineData("cmtvaloper1qqqq", "cmtvaloper1qqqq")]
    [InlineData("  cmtvaloper1qqqq  ", "cmtvaloper1qqqq")]
    [InlineData("Zm9vYmFy+base64=", "Zm9vYmFy+base64=")]
    public void ValidatorKeyAcceptsAndTrims(string text, string expected)
    {
        Assert.True(ValidatorKey.TryCreate(text, out var key, out var error));
        Assert.Null(error);
        Assert.Equal(expected, key.Value);
        Assert.Equal(expected, key.ToString());
    }

    [Fact]
    public void ValidatorKeysAreCaseSensitive()
    {
        Assert.NotEqual(ValidatorKey.Create("abc"), ValidatorKey.Create("ABC"));
        Assert.Equal(ValidatorKey.Create("abc"), ValidatorKey.Create(" abc"));
    }

    // ---- Incident ----

    [Fact]
    public void DeclareStartsAtRevisionOneWithNoSet()
    {
        var network = CyberMiles();

        var incident = Incident.Declare(network, "  Halt  ", BlockHeight.Create(42), "  ", T0);

        Assert.Equal(network.Id, incident.NetworkId);
        Assert.Equal("Halt", incident.Title);
        Assert.Null(incident.Summary);
        Assert.Equal(42, incident.HaltHeight);
        Assert.Equal(IncidentStatus.Investigating, incident.Status);
        Assert.Equal(1, incident.Revision);
        Assert.Null(incident.SetHeight);
        Assert.Empty(incident.Validators);
        Assert.Throws<DomainException>(() => Incident.Declare(network, " ", BlockHeight.Create(42), null, T0));
        Assert.Throws<DomainException>(() => BlockHeight.Create(-1));
    }

    [Fact]
    public void FirstImportFreezesStakesAsPending()
    {
        var incident = Halt();
        Guid a = Guid.NewGuid(), b = Guid.NewGuid();

        incident.ImportValidatorSet(BlockHeight.Create(999_999), [new ValidatorStake(a, Stake.Parse("700")), new ValidatorStake(b, Stake.Parse("300"))], T1);

        Assert.Equal(2, incident.Revision);
        Assert.Equal(999_999, incident.SetHeight);
        Assert.Equal(T1, incident.UpdatedAt);
        Assert.Equal([a, b], incident.Validators.Select(v => v.ValidatorId));
        Assert.All(incident.Validators, v => Assert.Equal(ValidatorState.Pending, v.State));
        Assert.All(incident.Validators, v => Assert.Equal(incident.Id, v.IncidentId));
        Assert.Equal(["700", "300"], incident.Validators.Select(v => v.Stake.ToString()));
    }

    [Fact]
    public void ReimportKeepsStatusesDropsRemovedAndAddsNewAsPending()
    {
        var incident = Halt();
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid(), d = Guid.NewGuid();
        incident.ImportValidatorSet(BlockHeight.Create(100), [new(a, Stake.Parse("500")), new(b, Stake.Parse("300")), new(c, Stake.Parse("200"))], T1);
        var keptA = incident.Validators.Single(v => v.ValidatorId == a);
        SetState(keptA, ValidatorState.Ready);
        SetState(incident.Validators.Single(v => v.ValidatorId == b), ValidatorState.Blocked);
        SetState(incident.Validators.Single(v => v.ValidatorId == c), ValidatorState.Upgraded);

        // b leaves the set, d joins, a's stake changes at the new height.
        incident.ImportValidatorSet(BlockHeight.Create(101), [new(c, Stake.Parse("200")), new(a, Stake.Parse("550")), new(d, Stake.Parse("50"))], T2);

        Assert.Equal(3, incident.Revision);
        Assert.Equal(101, incident.SetHeight);
        Assert.Equal(T2, incident.UpdatedAt);
        var byId = incident.Validators.ToDictionary(v => v.ValidatorId);
        Assert.Equal(3, byId.Count);
        Assert.False(byId.ContainsKey(b));
        Assert.Same(keptA, byId[a]);
        Assert.Equal(ValidatorState.Ready, byId[a].State);
        Assert.Equal("550", byId[a].Stake.ToString());
        Assert.Equal(ValidatorState.Upgraded, byId[c].State);
        Assert.Equal(ValidatorState.Pending, byId[d].State);
        Assert.Equal("50", byId[d].Stake.ToString());

        var quorum = incident.EvaluateQuorum(QuorumRule.TwoThirdsOfStake);
        Assert.Equal(new BigInteger(800), quorum.TotalWeight);
        Assert.Equal(new BigInteger(550), quorum.ReadyWeight);
        Assert.Equal(new BigInteger(750), quorum.UpgradedWeight);
        Assert.True(quorum.Reached); // 550·3 = 1650 > 1600
    }

    [Fact]
    public void ImportRejectsDuplicateValidatorsAndChangesNothing()
    {
        var incident = Halt();
        Guid a = Guid.NewGuid(), b = Guid.NewGuid();
        incident.ImportValidatorSet(BlockHeight.Create(100), [new(a, Stake.Parse("1")), new(b, Stake.Parse("2"))], T1);

        var ex = Assert.Throws<DomainException>(() =>
            incident.ImportValidatorSet(BlockHeight.Create(200), [new(a, Stake.Parse("1")), new(a, Stake.Parse("9"))], T2));

        Assert.Equal("A validator appears more than once in the set.", ex.Message);
        Assert.Equal(2, incident.Revision);
        Assert.Equal(100, incident.SetHeight);
        Assert.Equal(T1, incident.UpdatedAt);
        Assert.Equal([a, b], incident.Validators.Select(v => v.ValidatorId));
        Assert.Equal(["1", "2"], incident.Validators.Select(v => v.Stake.ToString()));
    }

    [Fact]
    public void ImportingAnEmptySetDropsEveryoneAndStillRevises()
    {
        var incident = Halt();
        incident.ImportValidatorSet(BlockHeight.Create(100), [new(Guid.NewGuid(), Stake.Parse("1"))], T1);

        incident.ImportValidatorSet(BlockHeight.Create(101), [], T2);

        Assert.Empty(incident.Validators);
        Assert.Equal(3, incident.Revision);
        Assert.False(incident.EvaluateQuorum(QuorumRule.TwoThirdsOfStake).Reachable);
    }
}
