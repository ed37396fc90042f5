namespace Portal.Domain;

/// <summary>Trimming and length checks for free text, so every aggregate words its errors the same way.</summary>
internal static class Text
{
    public static string Required(string? value, string field, int max)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw new DomainException($"The {field} is required.");
        }

        return trimmed.Length <= max ? trimmed : throw new DomainException($"The {field} must be at most {max} characters.");
    }

    public static string? Optional(string? value, string field, int max, string? apiField = null)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        return trimmed.Length <= max ? trimmed : throw new DomainException($"The {field} must be at most {max} characters.", apiField);
    }
}
