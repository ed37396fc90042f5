using Portal.Domain;

namespace Portal.Tests.Domain;

/// <summary>Quiet hours, reminders and escalation as pure decisions: every time is a parameter.</summary>
public sealed class PagingPolicyTests
{
    private static readonly DateTimeOffset Published = new(2026, 11, 21, 20, 0, 0, TimeSpan.Zero);
    private static readonly PagingTimings Timings = PagingTimings.Default;

    private static ReminderCandidate Candidate(string localTime, DateTimeOffset? lastRemindedAt = null, QuietHours? quiet = null) =>
        new(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), TimeOnly.Parse(localTime, System.Globalization.CultureInfo.InvariantCulture), quiet ?? QuietHours.Default, lastRemindedAt);

    [Theory]
    [InlineData("22:59", false)]
    [InlineData("23:00", true)]
    [InlineData("03:00", true)]
    [InlineData("06:59", true)]
    [InlineData("07:00", false)]
    [InlineData("12:00", false)]
    public void Default_quiet_hours_wrap_past_midnight_from_23_to_7(string local, bool quiet) =>
        Assert.Equal(quiet, QuietHours.Default.Contains(TimeOnly.Parse(local, System.Globalization.CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData(13 * 60, 14 * 60, "13:30", true)]
    [InlineData(13 * 60, 14 * 60, "14:00", false)]
    [InlineData(8 * 60, 8 * 60, "08:00", false)]
    public void A_daytime_span_and_an_empty_span(int start, int end, string local, bool quiet) =>
        Assert.Equal(quiet, new QuietHours(start, end).Contains(TimeOnly.Parse(local, System.Globalization.CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData("23:00", 1380, null)]
    [InlineData("7:05", 425, null)]
    [InlineData("24:00", null, "Use a 24-hour time like 23:00 or 07:30.")]
    [InlineData("11pm", null, "Use a 24-hour time like 23:00 or 07:30.")]
    [InlineData("", null, "A time like 23:00 is required.")]
    public void Times_are_read_as_24_hour_HH_mm(string text, int? minute, string? problem) =>
        Assert.Equal((minute, problem), QuietHours.ParseTime(text));

    [Theory]
    [InlineData(29, false)]
    [InlineData(30, true)]
    [InlineData(45, true)]
    public void The_first_reminder_is_due_30_minutes_after_the_release_is_published(int minutesLater, bool due) =>
        Assert.Equal(due, PagingPolicy.ReminderDue(Candidate("12:00"), Published, Published.AddMinutes(minutesLater), Timings));

    [Theory]
    [InlineData(89, false)]
    [InlineData(90, true)]
    public void Later_reminders_come_every_60_minutes_after_the_last(int minutesAfterPublish, bool due) =>
        Assert.Equal(due, PagingPolicy.ReminderDue(Candidate("12:00", Published.AddMinutes(30)), Published, Published.AddMinutes(minutesAfterPublish), Timings));

    [Fact]
    public void A_reminder_about_an_earlier_release_does_not_delay_the_first_for_a_new_one()
    {
        var remindedBefore = Published.AddHours(-2);
        Assert.True(PagingPolicy.ReminderDue(Candidate("12:00", remindedBefore), Published, Published.AddMinutes(30), Timings));
        Assert.False(PagingPolicy.ReminderDue(Candidate("12:00", remindedBefore), Published, Published.AddMinutes(29), Timings));
    }

    [Theory]
    [InlineData("23:30", false)]
    [InlineData("06:59", false)]
    [InlineData("07:00", true)]
    public void Reminders_wait_outside_quiet_hours_and_go_once_the_operator_is_awake(string local, bool due) =>
        Assert.Equal(due, PagingPolicy.ReminderDue(Candidate(local), Published, Published.AddHours(5), Timings));

    [Fact]
    public void Only_the_due_candidates_are_returned()
    {
        var awake = Candidate("10:00");
        var asleep = Candidate("02:00");
        var recent = Candidate("10:00", Published.AddMinutes(40));
        Assert.Equal([awake], PagingPolicy.RemindersDue([awake, asleep, recent], Published, Published.AddMinutes(60), Timings));
    }

    [Fact]
    public void Configured_timings_are_used()
    {
        var fast = new PagingTimings(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(2));
        Assert.True(PagingPolicy.ReminderDue(Candidate("12:00"), Published, Published.AddMinutes(5), fast));
        Assert.False(PagingPolicy.ReminderDue(Candidate("12:00", Published.AddMinutes(5)), Published, Published.AddMinutes(14), fast));
        Assert.True(PagingPolicy.EscalationDue(new OpenPage(Guid.NewGuid(), Published, null, null), Published.AddMinutes(2), fast));
    }

    [Theory]
    [InlineData(14, null, null, false)]
    [InlineData(15, null, null, true)]
    [InlineData(60, 10, null, false)]
    [InlineData(60, null, 15, false)]
    public void A_page_escalates_once_when_unanswered_for_15_minutes(int minutesLater, int? answeredAfter, int? escalatedAfter, bool due)
    {
        var page = new OpenPage(Guid.NewGuid(), Published,
            answeredAfter is { } a ? Published.AddMinutes(a) : null,
            escalatedAfter is { } e ? Published.AddMinutes(e) : null);
        Assert.Equal(due, PagingPolicy.EscalationDue(page, Published.AddMinutes(minutesLater), Timings));
    }

    [Theory]
    [InlineData("123456789", true)]
    [InlineData("-1001234567890", true)]
    [InlineData("@portal_alerts", true)]
    [InlineData("@abc", false)]
    [InlineData("12 34", false)]
    [InlineData("-", false)]
    [InlineData("https://t.me/x", false)]
    public void Telegram_chat_ids_are_numbers_or_channel_names(string value, bool ok) =>
        Assert.Equal(ok, ChannelRules.TelegramChatIdProblem(value) is null);

    [Theory]
    [InlineData("R0UT1NGKEY0000000000000000000001", true)]
    [InlineData("short", false)]
    [InlineData("R0UT1NGKEY000000000000000000000-", false)]
    public void PagerDuty_routing_keys_are_32_letters_and_digits(string value, bool ok) =>
        Assert.Equal(ok, ChannelRules.PagerDutyRoutingKeyProblem(value) is null);
}
