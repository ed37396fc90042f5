using Portal.Domain;

namespace Portal.Data.Reports;

/// <summary>
/// One state change a validator reported in one incident, written with its timeline entry. Keyed by the
/// validator's id, so it still names the validator after a rename (the timeline's words keep the old name).
/// </summary>
public sealed class ValidatorReport
{
    public long Id { get; set; }
    public Guid IncidentId { get; set; }
    public Guid ValidatorId { get; set; }
    public DateTimeOffset At { get; set; }
    public ValidatorState FromState { get; set; }
    public ValidatorState ToState { get; set; }
    public string? Version { get; set; }
    public string Actor { get; set; } = string.Empty;
}
