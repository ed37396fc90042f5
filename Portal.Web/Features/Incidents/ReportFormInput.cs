using Portal.Domain;
using Portal.Web.Features.Api;

namespace Portal.Web.Features.Incidents;

/// <summary>
/// The console's report form, read as strictly as the API reads its body (API.md v1.1): the validator must be
/// one the form offered and the state exactly one of the offered states' wire names. A browser can send any
/// value for a select, so the form's own list is not a check.
/// </summary>
public static class ReportFormInput
{
    public const string KeyMessage = "Choose one of your validators.";

    /// <returns>A message for each field that is wrong (null when it is right), and the state when it is.</returns>
    public static (string? KeyError, string? StateError) Check(
        string? key, string? stateName, IEnumerable<string> offeredKeys, IReadOnlyCollection<ValidatorState> offeredStates, out ValidatorState state)
    {
        ArgumentNullException.ThrowIfNull(offeredKeys);
        ArgumentNullException.ThrowIfNull(offeredStates);
        var keyError = key is not null && offeredKeys.Contains(key, StringComparer.Ordinal) ? null : KeyMessage;
        string? stateError = null;
        if (!StrictEnumConverter.TryParse(stateName, out state) || !offeredStates.Contains(state))
        {
            state = default;
            stateError = $"Choose one of the listed states: {string.Join(", ", offeredStates.Select(ValidatorTransitions.Name))}.";
        }

        return (keyError, stateError);
    }
}
