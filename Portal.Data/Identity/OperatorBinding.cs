namespace Portal.Data.Identity;

/// <summary>An operator may report state for exactly the validators bound to them.</summary>
public sealed class OperatorBinding
{
    public Guid UserId { get; set; }
    public Guid ValidatorId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
