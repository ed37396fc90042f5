namespace Portal.Domain;

/// <summary>Field limits shared by the domain, the EF configuration, the SQL migrations and the forms.</summary>
public static class Limits
{
    public const int NetworkNameMax = 100;
    public const int ChainIdMax = 100;
    public const int IncidentTitleMax = 200;
    public const int SummaryMax = 20_000;
    public const int ValidatorKeyMax = 200;
    public const int ValidatorNameMax = 200;
    public const int ContactMax = 500;
    public const int TimeZoneMax = 64;
    public const int VersionMax = 100;
    public const int NoteMax = 2_000;

    /// <summary>A posted update is one timeline entry, so it keeps within an entry's summary.</summary>
    public const int UpdateMax = 2_000;
}
