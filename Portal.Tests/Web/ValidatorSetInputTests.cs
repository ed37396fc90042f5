using Portal.Web.Features.Incidents;

namespace Portal.Tests.Web;

public sealed class ValidatorSetInputTests
{
    [Fact]
    public void Csv_with_a_header_in_any_order_and_quoted_cells_is_read()
    {
        var (rows, error) = ValidatorSetInput.Parse(""""
            name,key,stake,contact,timeZone
            "Taipei, CVM Labs",val-1,10000000000000000000000000,"ops ""primary""",Asia/Taipei
            Austin Validators,val-2,7,,America/Chicago
            """");

        Assert.Null(error);
        Assert.Equal(2, rows.Count);
        Assert.Equal(new ValidatorSetRow("val-1", "Taipei, CVM Labs", "10000000000000000000000000", "Asia/Taipei", "ops \"primary\""), rows[0]);
        Assert.Equal("", rows[1].Contact);
    }

    [Fact]
    public void Json_arrays_and_objects_with_a_validators_array_are_read_and_numeric_stakes_kept_verbatim_for_checking()
    {
        var (array, _) = ValidatorSetInput.Parse("""[{"key": "a", "name": "A", "stake": "5"}]""");
        var (wrapped, _) = ValidatorSetInput.Parse("""{"validators": [{"key": "a", "name": "A", "stake": 1.5e3}]}""");

        Assert.Equal("5", array[0].Stake);
        Assert.Equal("1.5e3", wrapped[0].Stake);
        Assert.NotEmpty(ValidatorSetInput.Validate(wrapped).Errors);
    }

    [Fact]
    public void Every_bad_row_is_named_and_nothing_is_accepted()
    {
        var (members, errors) = ValidatorSetInput.Validate(
        [
            new("ok-1", "Fine", "100", "Asia/Taipei", null),
            new("dup", "First", "1", null, null),
            new("dup", "Second", "1", null, null),
            new("neg", "Negative", "-5", null, null),
            new("frac", "Fraction", "2.5", null, null),
            new("zone", "Mars", "3", "Mars/Olympus", null),
            new("win", "Windows zone", "3", "Pacific Standard Time", null),
            new("", "No key", "3", null, null),
            new("big", "Too big", new string('9', 39), null, null),
        ]);

        Assert.Empty(members);
        Assert.Equal(
            ["validators[2].key", "validators[3].stake", "validators[4].stake", "validators[5].timeZone", "validators[6].timeZone", "validators[7].key", "validators[8].stake"],
            errors.Select(e => e.ApiField));
        Assert.Equal("Row 3 (dup): Duplicate key: already in row 2.", errors[0].ForHumans);
    }

    [Fact]
    public void Thirty_eight_digit_stakes_and_iana_zones_are_accepted()
    {
        var (members, errors) = ValidatorSetInput.Validate([new("whale", "Whale", new string('9', 38), "America/New_York", "ops@whale.example"), new("utc", "UTC", "0", "UTC", null)]);

        Assert.Empty(errors);
        Assert.Equal(new string('9', 38), members[0].Stake.ToString());
    }
}
