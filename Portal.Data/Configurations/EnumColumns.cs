namespace Portal.Data.Configurations;

/// <summary>Enums are stored by name, so a renamed member breaks loudly instead of silently renumbering.</summary>
internal static class EnumColumns
{
    public const int MaxLength = 20;
}
