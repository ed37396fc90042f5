using Portal.Domain;
using Portal.Web.Features.Incidents;

namespace Portal.Tests.Web;

/// <summary>
/// The console's report form shares the API's text rule (API.md v1.1): a state is exactly one of the offered
/// states' wire names and the validator one the form offered, or the value is refused with a message for its
/// field. A browser can send any value for a select; CommanderConsoleBrowserTests sends such values from
/// Chromium and checks the message beside the field and that nothing changed.
/// </summary>
public sealed class BadFormInputTests
{
    private static readonly ValidatorState[] Offered =
        [ValidatorState.Acknowledged, ValidatorState.Downloading, ValidatorState.Upgraded, ValidatorState.Ready, ValidatorState.Blocked];

    [Theory]
    [InlineData("Acknowledged, Downloading")] // the framework's enum parser combines these as flags into "upgraded"
    [InlineData("acknowledged, downloading")]
    [InlineData("1")]
    [InlineData("Acknowledged")]
    [InlineData("ready ")]
    [InlineData("pending")] // a state, but not one an operator reports
    [InlineData("")]
    [InlineData(null)]
    public void The_report_form_takes_only_a_listed_state_s_exact_name(string? state)
    {
        var (keyError, stateError) = ReportFormInput.Check("val-1", state, ["val-1"], Offered, out _);

        Assert.Null(keyError);
        Assert.Equal("Choose one of the listed states: acknowledged, downloading, upgraded, ready, blocked.", stateError);
    }

    [Theory]
    [InlineData("acknowledged", ValidatorState.Acknowledged)]
    [InlineData("blocked", ValidatorState.Blocked)]
    public void A_listed_state_s_name_is_read(string name, ValidatorState expected)
    {
        var (keyError, stateError) = ReportFormInput.Check("val-1", name, ["val-1", "val-2"], Offered, out var state);

        Assert.Null(keyError);
        Assert.Null(stateError);
        Assert.Equal(expected, state);
    }

    [Theory]
    [InlineData("val-3")]
    [InlineData("VAL-1")]
    [InlineData(null)]
    public void The_report_form_takes_only_a_validator_it_offered(string? key)
    {
        var (keyError, _) = ReportFormInput.Check(key, "ready", ["val-1", "val-2"], Offered, out _);

        Assert.Equal(ReportFormInput.KeyMessage, keyError);
    }
}
