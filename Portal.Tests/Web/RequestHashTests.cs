using Portal.Domain;
using Portal.Web.Features.Incidents;

namespace Portal.Tests.Web;

/// <summary>What an Idempotency-Key binds a report to: each field on its own, however the text is split.</summary>
public sealed class RequestHashTests
{
    private static readonly Guid Incident = Guid.Parse("6f1c1a52-0d6e-4d53-9d43-2e1f1f3f0a01");

    public static TheoryData<string, string?, string?, string, string?, string?> Splits => new()
    {
        { "0xa", "v0.1|x", "y", "0xa", "v0.1", "x|y" },
        { "0xa", "v0.1|", "y", "0xa", "v0.1", "|y" },
        { "0xa|Ready", null, null, "0xa", null, null },
        { "0xa", null, "x", "0xa", "x", null },
        { "0xa", "", null, "0xa", null, null },
        { "0xa", "\"", "\"", "0xa", "\"\"", null },
    };

    [Theory]
    [MemberData(nameof(Splits))]
    public void Different_splits_of_the_same_text_hash_differently(string key1, string? version1, string? note1, string key2, string? version2, string? note2)
    {
        var first = StatusReports.RequestHash(Incident, key1, ValidatorState.Ready, version1, note1);
        var second = StatusReports.RequestHash(Incident, key2, ValidatorState.Ready, version2, note2);

        Assert.NotEqual(first, second);
        Assert.Equal(64, first.Length);
    }

    [Fact]
    public void The_same_report_hashes_the_same()
    {
        Assert.Equal(
            StatusReports.RequestHash(Incident, "0xa", ValidatorState.Blocked, null, "disk full"),
            StatusReports.RequestHash(Incident, "0xa", ValidatorState.Blocked, null, "disk full"));
    }
}
