namespace Portal.Data;

/// <summary>
/// The first answer to a request sent with an <c>Idempotency-Key</c>, stored in the same transaction as the
/// change it made, so a retried request gets that answer back instead of being applied twice.
/// </summary>
public sealed class IdempotencyRecord
{
    public const int KeyMax = 200;

    public Guid UserId { get; set; }
    public required string Key { get; set; }
    public required string RequestHash { get; set; }
    public int StatusCode { get; set; }
    public required string ResponseBody { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
