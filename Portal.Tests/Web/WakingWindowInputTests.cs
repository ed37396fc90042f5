using Portal.Domain;
using Portal.Web.Features.Forecast;
using Portal.Web.Features.Incidents;

namespace Portal.Tests.Web;

/// <summary>Waking windows as optional wakeFrom/wakeUntil columns of a pasted validator set, and the postmortem read from a timeline.</summary>
public sealed class WakingWindowInputTests
{
    [Fact]
    public void Csv_and_json_take_optional_wake_columns_in_any_order()
    {
        var (rows, error) = ValidatorSetInput.Parse("""
            wakeUntil,key,name,stake,timeZone,wakeFrom
            06:00,val-1,Night owl,5,Asia/Tokyo,20:00
            ,val-2,Default,5,Europe/Berlin,
            """);
        Assert.Null(error);
        Assert.Equal(new ValidatorSetRow("val-1", "Night owl", "5", "Asia/Tokyo", null, "20:00", "06:00"), rows[0]);

        var (members, errors) = ValidatorSetInput.Validate(rows);
        Assert.Empty(errors);
        Assert.Equal(WakingWindow.Create(1200, 360), members[0].Window);
        Assert.Null(members[1].Window);

        var (json, _) = ValidatorSetInput.Parse("""[{"key": "a", "name": "A", "stake": "1", "wakeFrom": "07:30", "wakeUntil": "23:00"}]""");
        Assert.Equal("07:30", json[0].WakeFrom);
        Assert.Equal("23:00", json[0].WakeUntil);
    }

    [Theory]
    [InlineData("7:00", "22:00", "wakeFrom")]
    [InlineData("08:00", "", "wakeUntil")]
    [InlineData("", "22:00", "wakeFrom")]
    [InlineData("08:00", "08:00", "wakeUntil")]
    [InlineData("08:00", "22:00\u200b", "wakeUntil")]
    public void A_bad_window_is_named_by_row_and_field(string from, string until, string field)
    {
        var (_, errors) = ValidatorSetInput.Validate([new ValidatorSetRow("val-1", "One", "5", null, null, from, until)]);

        Assert.Equal([$"validators[0].{field}"], errors.Select(e => e.ApiField));
    }

    [Theory]
    [InlineData("08:00", "", null, "Give the time they stop, such as 22:00.")]
    [InlineData("", "22:00", "Give the time they start, such as 08:00.", null)]
    [InlineData("09:00", "09:00", null, "Until must differ from From.")]
    [InlineData("", "", "Give the time they start, such as 08:00.", "Give the time they stop, such as 22:00.")]
    [InlineData("7:00", "22:00", "Not a 24-hour time: write hours and minutes, such as 08:00.", null)]
    [InlineData("8am", "", "Not a 24-hour time: write hours and minutes, such as 08:00.", "Give the time they stop, such as 22:00.")]
    public void For_people_each_field_is_told_only_its_own_problem(string from, string until, string? fromMessage, string? untilMessage)
    {
        var (window, errors) = WakingWindowInput.Validate(from, until, required: true, WakingWindowWords.ForPeople);

        Assert.Null(window);
        Assert.Equal(fromMessage, errors.Where(e => e.Field == "wakeFrom").Select(e => e.Message).SingleOrDefault());
        Assert.Equal(untilMessage, errors.Where(e => e.Field == "wakeUntil").Select(e => e.Message).SingleOrDefault());
        Assert.DoesNotContain(errors, e => e.Message.Contains("wake", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("08:00", "", "wakeUntil", "wakeUntil is missing")]
    [InlineData("", "22:00", "wakeFrom", "wakeFrom is missing")]
    [InlineData("09:00", "09:00", "wakeUntil", "wakeUntil must differ from wakeFrom")]
    [InlineData("7:00", "22:00", "wakeFrom", "wakeFrom must be a 24-hour time")]
    public void For_the_api_the_message_names_the_field_it_is_under(string from, string until, string field, string message)
    {
        var (_, errors) = WakingWindowInput.Validate(from, until);

        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_absent_is_no_window_unless_one_is_required_then_each_field_says_it_is_missing()
    {
        var (none, noErrors) = WakingWindowInput.Validate(" ", null);
        Assert.Null(none);
        Assert.Empty(noErrors);

        var (window, errors) = WakingWindowInput.Validate(null, "", required: true);

        Assert.Null(window);
        Assert.Equal([("wakeFrom", WakingWindowWords.ForApi.FromMissing), ("wakeUntil", WakingWindowWords.ForApi.UntilMissing)], errors);
        Assert.Equal(WakingWindow.Create(480, 1320), WakingWindowInput.Validate("08:00", "22:00", required: true, WakingWindowWords.ForPeople).Window);
    }

    [Fact]
    public void The_postmortem_reads_transitions_and_paging_from_the_timeline_by_validator_name()
    {
        var at = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
        var network = Network.Create("CyberMiles", "cmt-pm", QuorumRule.TwoThirdsOfStake, at, default);
        var incident = Incident.Declare(network, "Halt", BlockHeight.Create(1), null, at);
        (string, string, Stake)[] validators = [("k1", "Tokyo Block Works", Stake.Parse("5")), ("k2", "Tokyo Block Works 2", Stake.Parse("5"))];
        string? previous = null;
        var entries = new List<TimelineEvent>();
        void Add(string kind, string summary, string actor, int minutes)
        {
            var entry = TimelineEvent.Append(incident.Id, previous, kind, actor, summary, at.AddMinutes(minutes));
            previous = entry.Hash;
            entries.Add(entry);
        }

        Add(TimelineKinds.Declared, "Declared: Halt, halted at block 1.", "admin", 0);
        Add("validator-paged", "Paged Tokyo Block Works 2 by e-mail.", "cmd", 5);
        Add(TimelineKinds.ValidatorStatus, "Tokyo Block Works 2: pending → ready, running v1.2.3 — all good, see https://x.", "op", 30);
        Add(TimelineKinds.ValidatorStatus, "Tokyo Block Works: pending → acknowledged.", "op1", 40);
        Add(TimelineKinds.StatusChanged, "Status: quorum reached → resumed.", "cmd", 50);

        var document = PostmortemService.Compose(incident, network, validators, [], entries);

        Assert.Equal(
            ["2026-11-22T10:30:00Z,k2,Tokyo Block Works 2,pending,ready,v1.2.3,op", "2026-11-22T10:40:00Z,k1,Tokyo Block Works,pending,acknowledged,,op1"],
            PostmortemService.Csv(document).Split("\r\n", StringSplitOptions.RemoveEmptyEntries)[1..]);
        var second = document.Validators.Single(v => v.Key == "k2");
        Assert.Equal([at.AddMinutes(5)], second.PagedAt);
        Assert.Empty(document.Validators.Single(v => v.Key == "k1").PagedAt);
        Assert.Equal(at.AddMinutes(30), second.ReadyAt);
        Assert.Null(second.SecondsToReady);
        Assert.Equal(30 * 60, second.SecondsToAcknowledge);
        Assert.Equal(at.AddMinutes(50), document.Milestones.ResumedAt);
        Assert.Null(document.Milestones.QuorumReachedAt);
        Assert.Equal(50 * 60, document.Durations.DeclaredToResumed);
        Assert.Null(document.Durations.DeclaredToFirstReleasePublished);
    }

    [Fact]
    public void Csv_cells_are_quoted_and_formula_like_names_defused()
    {
        var at = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
        var network = Network.Create("CyberMiles", "cmt-csv", QuorumRule.TwoThirdsOfStake, at, default);
        var incident = Incident.Declare(network, "Halt", BlockHeight.Create(1), null, at);
        var entry = TimelineEvent.Append(incident.Id, null, TimelineKinds.ValidatorStatus, "ops, \"night\"", "=HYPERLINK(1): pending → acknowledged.", at);

        var csv = PostmortemService.Csv(PostmortemService.Compose(incident, network, [("k", "=HYPERLINK(1)", Stake.Parse("1"))], [], [entry]));

        Assert.EndsWith("k,'=HYPERLINK(1),pending,acknowledged,,\"ops, \"\"night\"\"\"\r\n", csv, StringComparison.Ordinal);
    }
}
