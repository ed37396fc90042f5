using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Portal.Domain;

namespace Portal.Tests.Domain;

/// <summary>API.md v1.1: the text rule every field shares, and truncation that never splits a character.</summary>
public sealed class TextRuleTests
{
    public static TheoryData<string, bool> Refused() => new()
    {
        { "a\u0000b", false }, { "a\u0000b", true }, { "\u0001", true }, { "a\u001Fb", true }, { "a\u001Bb", true },
        { "a\u007Fb", true }, { "a\u0085b", true }, { "a\u009Fb", true },
        { "a\tb", false }, { "a\nb", false }, { "a\rb", false },
        { "\u200B", false }, { "\u200B\u200C\u200D", true }, { "\uFEFF", false }, { "\u202E", false }, { "\u2066\u2069", false },
        { " \u200F ", false }, { "\u061C", false }, { "\u2060", false },
    };

    /// <summary>Not theory data: xunit would replace a lone surrogate with U+FFFD when it serialises the case.</summary>
    [Fact]
    public void Lone_surrogates_are_refused()
    {
        Assert.NotNull(Text.Problem("a\uD83Db"));
        Assert.NotNull(Text.Problem("\uDD25", multiLine: true));
        Assert.NotNull(Text.Problem("🔥"[..1]));
        Assert.Null(Text.Problem("🔥"));
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void Control_characters_invisible_only_text_and_lone_surrogates_are_refused(string value, bool multiLine)
    {
        Assert.NotNull(Text.Problem(value, multiLine));
        var refused = Assert.Throws<DomainException>(() => Text.Required(value, "name", 100, "name", multiLine));
        Assert.Equal("name", refused.Field);
    }

    [Theory]
    [InlineData("CyberMiles", false)]
    [InlineData("Zürich nœud 🔥", false)]
    [InlineData("e\u0301", false)]
    [InlineData("dis\u200Bplay", false)] // a zero-width space beside visible text is text
    [InlineData("line one\nline two\r\n\tindented", true)]
    public void Typed_text_is_accepted(string value, bool multiLine)
    {
        Assert.Null(Text.Problem(value, multiLine));
        Assert.Equal(value.Trim(), Text.Required(value, "name", 100, multiLine: multiLine));
    }

    [Fact]
    public void An_optional_field_of_white_space_is_absent_but_one_of_invisible_characters_is_refused()
    {
        Assert.Null(Text.Optional("  \t ", "note", 10, multiLine: true));
        Assert.Throws<DomainException>(() => Text.Optional("\u200B", "note", 10));
    }

    [Fact]
    public void Aggregates_refuse_invisible_names_and_single_line_fields_with_newlines()
    {
        var at = DateTimeOffset.UnixEpoch;
        Assert.Equal("name", Assert.Throws<DomainException>(() => Network.Create("\u200B\uFEFF", "chain", QuorumRule.TwoThirdsOfStake, at)).Field);
        Assert.Equal("chainId", Assert.Throws<DomainException>(() => Network.Create("Net", "a\nb", QuorumRule.TwoThirdsOfStake, at)).Field);
        var network = Network.Create("Net", "chain", QuorumRule.TwoThirdsOfStake, at);
        Assert.Equal("title", Assert.Throws<DomainException>(() => Incident.Declare(network, "Halt\u0000", BlockHeight.Create(1), null, at)).Field);
        Assert.NotNull(Incident.Declare(network, "Halt", BlockHeight.Create(1), "line one\nline two", at).Summary);
    }

    [Theory]
    [InlineData("\u200B")]
    [InlineData("\uFEFF\u202E")]
    public void A_validator_key_of_invisible_characters_is_refused(string key) => Assert.False(ValidatorKey.TryCreate(key, out _, out _));

    [Fact]
    public void A_validator_key_with_a_lone_surrogate_is_refused() => Assert.False(ValidatorKey.TryCreate("0xab" + "🔥"[..1], out _, out _));

    [Theory]
    [InlineData(" 5 ")]
    [InlineData("5\t")]
    [InlineData("\t5")]
    [InlineData("5\n")]
    [InlineData("5 000")]
    [InlineData("٥")] // an Arabic-Indic digit five
    public void A_stake_is_digits_only(string text) => Assert.False(Stake.TryParse(text, out _, out _));

    [Fact]
    public void Truncating_a_run_of_emoji_keeps_whole_pairs_and_the_limit()
    {
        var note = "Validator 02: pending → blocked — " + string.Concat(Enumerable.Repeat("🔥", 1_000));

        var cut = Text.Truncate(note, 2_000);

        Assert.True(cut.Length <= 2_000);
        Assert.EndsWith(Text.Ellipsis, cut, StringComparison.Ordinal);
        Assert.Null(Text.Problem(cut));
    }

    [Fact]
    public void Truncating_never_separates_a_letter_from_its_combining_marks()
    {
        var text = string.Concat(Enumerable.Repeat("e\u0301\u0323", 10)); // é with a dot below, three code units each

        for (var max = 1; max < text.Length; max++)
        {
            var cut = Text.Truncate(text, max);
            Assert.True(cut.Length <= max);
            Assert.Equal(0, (cut.Length - Text.Ellipsis.Length) % 3);
        }
    }

    /// <summary>Property: for any text and limit, the cut is a prefix of whole text elements, within the limit.</summary>
    [Fact]
    public void Truncation_is_a_prefix_of_whole_text_elements_within_the_limit()
    {
        var pieces = Gen.Elements("a", "é", "e\u0301", "🔥", "👩‍🚒", "🇨🇭", "\u4E2D", " ", "\n");
        var texts = Gen.ListOf(pieces).Select(p => string.Concat(p));
        var cases = from text in texts from max in Gen.Choose(1, 80) select (text, max);

        Prop.ForAll(Arb.From(cases), c =>
        {
            var cut = Text.Truncate(c.text, c.max);
            var kept = cut.Length == c.text.Length ? cut : cut[..^Text.Ellipsis.Length];
            var boundaries = StringInfo.ParseCombiningCharacters(c.text).Append(c.text.Length);
            return cut.Length <= c.max && c.text.StartsWith(kept, StringComparison.Ordinal) && boundaries.Contains(kept.Length);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void The_timeline_the_audit_and_updated_by_share_the_one_truncation()
    {
        var summary = "x" + string.Concat(Enumerable.Repeat("🔥", 1_500));
        var entry = TimelineEvent.Append(Guid.NewGuid(), null, TimelineKinds.ValidatorStatus, new string('a', 300) + "🔥", summary, DateTimeOffset.UnixEpoch);

        Assert.True(entry.Summary.Length <= TimelineEvent.SummaryMax);
        Assert.Null(Text.Problem(entry.Summary));
        Assert.True(entry.Actor.Length <= TimelineEvent.ActorMax);
        Assert.Null(Text.Problem(entry.Actor));
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("...")]
    [InlineData("a/b.tar")]
    [InlineData("a\\b.tar")]
    public void A_snapshot_file_name_is_one_plain_segment(string name) => Assert.NotNull(Snapshot.FileNameProblem(name));

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("snapshots/x/..")]
    [InlineData("snapshots//x")]
    [InlineData("snapshots/./x")]
    [InlineData("snapshots\\..\\x")]
    [InlineData("C:/x")]
    public void A_registered_object_key_is_a_plain_relative_key(string key) => Assert.NotNull(Snapshot.BlobKeyProblem(key));

    [Fact]
    public void A_snapshot_size_has_a_sane_maximum()
    {
        Assert.Null(Snapshot.SizeProblem(Snapshot.MaxSizeBytes));
        Assert.NotNull(Snapshot.SizeProblem(Snapshot.MaxSizeBytes + 1));
        Assert.NotNull(Snapshot.SizeProblem(9_200_000_000_000_000_000));
        Assert.NotNull(Snapshot.SizeProblem(0));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("bob smith")]
    [InlineData("bob\u0000")]
    [InlineData("\u200B\u200B")]
    [InlineData("bоb")] // a Cyrillic o
    public void User_names_are_plain(string name) => Assert.NotNull(UserNames.Problem(name));

    [Fact]
    public void A_user_name_has_at_most_64_characters() =>
        Assert.Equal((null, false), (UserNames.Problem(new string('u', UserNames.Max)), UserNames.Problem(new string('u', 300)) is null));

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("a@b")]
    [InlineData("@example.org")]
    [InlineData("a@@example.org")]
    [InlineData("a b@example.org")]
    [InlineData("a@exa mple.org")]
    [InlineData("a@-example.org")]
    [InlineData("a@example..org")]
    [InlineData(".a@example.org")]
    [InlineData("a\u0000@example.org")]
    public void Invalid_email_addresses_are_refused(string email) => Assert.NotNull(EmailAddresses.Problem(email));

    [Theory]
    [InlineData("ops@example.org")]
    [InlineData("first.last+halt@validators.example.co.uk")]
    public void Plain_email_addresses_are_accepted(string email) => Assert.Null(EmailAddresses.Problem(email));
}
