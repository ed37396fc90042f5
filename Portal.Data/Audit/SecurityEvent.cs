namespace Portal.Data.Audit;

/// <summary>What happened to an account: sign-ins, failures, tokens, roles. Append-only.</summary>
public sealed class SecurityEvent
{
    public const int KindMax = 40;
    public const int ActorMax = 256;
    public const int DetailMax = 1000;
    public const int SourceMax = 64;

    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Kind { get; set; }

    /// <summary>The user name given or signed in with; for a failed sign-in, the name that was tried.</summary>
    public required string Actor { get; set; }
    public Guid? UserId { get; set; }
    public string? SourceAddress { get; set; }
    public string? Detail { get; set; }
}

public static class SecurityEventKinds
{
    public const string SignIn = "sign-in";
    public const string SignInFailed = "sign-in-failed";
    public const string LockedOut = "locked-out";
    public const string SignInThrottled = "sign-in-throttled";
    public const string SignOut = "sign-out";
    public const string PasswordSet = "password-set";
    public const string PasswordChanged = "password-changed";
    public const string PasskeyAdded = "passkey-added";
    public const string PasskeyRemoved = "passkey-removed";
    public const string TokenCreated = "token-created";
    public const string TokenRevoked = "token-revoked";
    public const string UserInvited = "user-invited";
    public const string RolesChanged = "roles-changed";
    public const string ValidatorsBound = "validators-bound";
    public const string UserChanged = "user-changed";
    public const string UserReinvited = "user-reinvited";
}
