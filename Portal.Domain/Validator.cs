namespace Portal.Domain;

/// <summary>A validator of one network, with what a commander needs to reach its operator.</summary>
public sealed class Validator
{
    private Validator()
    {
        Key = Name = string.Empty;
    }

    public Guid Id { get; private set; }
    public Guid NetworkId { get; private set; }
    public string Key { get; private set; }
    public string Name { get; private set; }
    public string? TimeZone { get; private set; }
    public string? Contact { get; private set; }
    public string? StatusUrl { get; private set; }

    /// <summary>The waking window's bounds in minutes after local midnight (<see cref="WakingWindow"/>), stored as two columns.</summary>
    public int WakeFromMinute { get; private set; } = WakingWindow.Default.FromMinute;
    public int WakeUntilMinute { get; private set; } = WakingWindow.Default.UntilMinute;

    /// <summary>When its operator can be expected to answer, in its own time zone (08:00–22:00 unless set).</summary>
    public WakingWindow WakingWindow => WakingWindow.Create(WakeFromMinute, WakeUntilMinute);

    /// <summary>Registers a validator; <paramref name="timeZone"/> is an IANA name the caller has checked (the domain reads no zone database).</summary>
    public static Validator Register(Network network, ValidatorKey key, string name, string? timeZone, string? contact, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (key.Value is null)
        {
            throw new DomainException("The validator key is required.");
        }

        return new Validator
        {
            Id = Guid.CreateVersion7(at),
            NetworkId = network.Id,
            Key = key.Value,
            Name = Text.Required(name, "validator name", Limits.ValidatorNameMax, "name"),
            TimeZone = Text.Optional(timeZone, "time zone", Limits.TimeZoneMax, "timeZone"),
            Contact = Text.Optional(contact, "contact", Limits.ContactMax, "contact"),
        };
    }

    public void UpdateProfile(string name, string? timeZone, string? contact)
    {
        Name = Text.Required(name, "validator name", Limits.ValidatorNameMax, "name");
        TimeZone = Text.Optional(timeZone, "time zone", Limits.TimeZoneMax, "timeZone");
        Contact = Text.Optional(contact, "contact", Limits.ContactMax, "contact");
    }

    public void ChangeWakingWindow(WakingWindow window)
    {
        WakeFromMinute = window.FromMinute;
        WakeUntilMinute = window.UntilMinute;
    }

    /// <summary>The validator's own node status endpoint, read for the version check; null removes it. The caller checks it is an http(s) URL.</summary>
    public void ChangeStatusUrl(string? statusUrl) => StatusUrl = Text.Optional(statusUrl, "status URL", Limits.ContactMax, "statusUrl");
}
