using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Domain;

namespace Portal.Tests.Data;

/// <summary>Stake goes to numeric(38,0) and back without losing a unit, at the sizes chains really use.</summary>
public sealed class StakeStorageTests(MigratedDatabase db) : IClassFixture<MigratedDatabase>
{
    private static readonly DateTimeOffset At = new(2019, 5, 26, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("10000000000000000000000000")]          // 10 million tokens of 1e18 units
    [InlineData("1000000000000000000000000001")]        // 10^27 + 1: past decimal's exact range of integers
    [InlineData("99999999999999999999999999999999999999")] // 38 nines, the largest stake
    public async Task Stake_round_trips_exactly_through_postgresql(string units)
    {
        var stake = Stake.Parse(units);
        var (incidentId, validatorId) = await SeedIncidentAsync(stake);

        await using var context = db.CreateContext();
        var stored = await context.IncidentValidators.SingleAsync(v => v.IncidentId == incidentId && v.ValidatorId == validatorId);
        var asText = await db.Database.ScalarAsync<string>($"SELECT stake::text FROM incident_validators WHERE incident_id = '{incidentId}'");

        Assert.Equal(units, stored.Stake.ToString());
        Assert.Equal(units, asText);
    }

    [Fact]
    public async Task The_database_refuses_negative_and_fractional_stake_even_from_raw_sql()
    {
        var (incidentId, _) = await SeedIncidentAsync(Stake.Parse("5"));

        var negative = await Assert.ThrowsAsync<PostgresException>(() =>
            db.Database.ExecuteAsync($"UPDATE incident_validators SET stake = -1 WHERE incident_id = '{incidentId}'"));
        await db.Database.ExecuteAsync($"UPDATE incident_validators SET stake = 7.6 WHERE incident_id = '{incidentId}'");
        var rounded = await db.Database.ScalarAsync<string>($"SELECT stake::text FROM incident_validators WHERE incident_id = '{incidentId}'");

        Assert.Equal(PostgresErrorCodes.CheckViolation, negative.SqlState);
        Assert.Equal("8", rounded); // numeric(38,0) has no fractional digits: a fraction can never be stored
    }

    [Fact]
    public async Task Two_validators_with_the_same_key_on_one_network_are_impossible()
    {
        await using var context = db.CreateContext();
        var network = Network.Create("Dup", "dup-" + Guid.NewGuid().ToString("N")[..8], QuorumRule.TwoThirdsOfStake, At);
        context.Networks.Add(network);
        context.Validators.Add(Validator.Register(network, ValidatorKey.Create("val1"), "A", null, null, At));
        context.Validators.Add(Validator.Register(network, ValidatorKey.Create("val1"), "B", null, null, At));

        var error = await Assert.ThrowsAsync<DbUpdateException>(() => context.SaveChangesAsync());

        Assert.Equal(PostgresErrorCodes.UniqueViolation, Assert.IsType<PostgresException>(error.InnerException).SqlState);
    }

    private async Task<(Guid IncidentId, Guid ValidatorId)> SeedIncidentAsync(Stake stake)
    {
        await using var context = db.CreateContext();
        var network = Network.Create("Stake test", "stake-" + Guid.NewGuid().ToString("N")[..8], QuorumRule.TwoThirdsOfStake, At);
        var validator = Validator.Register(network, ValidatorKey.Create("val-" + Guid.NewGuid().ToString("N")[..8]), "Validator", "Asia/Taipei", null, At);
        var incident = Incident.Declare(network, "Halt", BlockHeight.Create(1_724_747), null, At);
        incident.ImportValidatorSet(BlockHeight.Create(1_724_747), [new ValidatorStake(validator.Id, stake)], At);
        context.AddRange(network, validator, incident);
        await context.SaveChangesAsync();
        return (incident.Id, validator.Id);
    }
}
