using System.Globalization;
using System.Text;

namespace Portal.Domain;

/// <summary>
/// The one rule for text a person could type (API.md v1.1), shared by the domain, the API and the forms:
/// no control characters (U+0000–U+001F, except tab and newline in multi-line fields, and U+007F–U+009F), no
/// unpaired surrogates (PostgreSQL could not store them), and never a value that is empty once white space,
/// zero-width and bidirectional-control characters are removed. Also the one way text is shortened, never
/// splitting a character.
/// </summary>
public static class Text
{
    /// <summary>Appended to shortened text.</summary>
    public const string Ellipsis = "…";

    /// <summary>
    /// What is wrong with <paramref name="value"/> as typed text, or null when nothing is. Does not judge
    /// emptiness or length (see <see cref="IsBlank"/>): a caller decides whether the field is required.
    /// A carriage return counts as part of a newline (browsers send text areas with CRLF).
    /// </summary>
    public static string? Problem(string? value, bool multiLine = false)
    {
        if (value is null)
        {
            return null;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is '\t' or '\n' or '\r')
            {
                if (!multiLine)
                {
                    return c == '\t' ? "must not contain tabs" : "must be a single line";
                }
            }
            else if (c < '\u0020' || c is >= '\u007F' and <= '\u009F')
            {
                return $"must not contain control characters (found U+{(int)c:X4})";
            }
            else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return "must not contain an unpaired surrogate (not valid Unicode text)";
            }
        }

        return IsBlank(value) && !string.IsNullOrWhiteSpace(value)
            ? "has no visible characters (only zero-width, byte-order or direction marks)"
            : null;
    }

    /// <summary>True for null, empty, or nothing but white space and invisible format characters (zero-width, BOM, bidi controls).</summary>
    public static bool IsBlank(string? value)
    {
        if (value is null)
        {
            return true;
        }

        foreach (var c in value)
        {
            if (!char.IsWhiteSpace(c) && !IsInvisible(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Zero-width characters, the byte-order mark and bidirectional controls: Unicode's "format" category (Cf).</summary>
    public static bool IsInvisible(char c) => char.GetUnicodeCategory(c) == UnicodeCategory.Format;

    /// <summary>A required field: checked, trimmed, non-blank, at most <paramref name="max"/> UTF-16 code units.</summary>
    public static string Required(string? value, string field, int max, string? apiField = null, bool multiLine = false)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw new DomainException($"The {field} is required.", apiField);
        }

        if (Problem(value, multiLine) is { } problem)
        {
            throw new DomainException($"The {field} {problem}.", apiField);
        }

        return trimmed.Length <= max ? trimmed : throw new DomainException($"The {field} must be at most {max} characters.", apiField);
    }

    /// <summary>An optional field: white space only counts as absent (null); otherwise as <see cref="Required"/>.</summary>
    public static string? Optional(string? value, string field, int max, string? apiField = null, bool multiLine = false)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Required(value, field, max, apiField, multiLine);
    }

    /// <summary>
    /// Shortens <paramref name="value"/> to at most <paramref name="max"/> UTF-16 code units, ending with
    /// <paramref name="ellipsis"/> when cut. It cuts between text elements (grapheme clusters), so an emoji, a
    /// surrogate pair or a letter with its combining marks is kept whole or dropped whole.
    /// </summary>
    public static string Truncate(string value, int max, string ellipsis = Ellipsis)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(ellipsis);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, ellipsis.Length);
        if (value.Length <= max)
        {
            return value;
        }

        var budget = max - ellipsis.Length;
        var kept = 0;
        while (kept < value.Length)
        {
            var next = StringInfo.GetNextTextElementLength(value, kept);
            if (kept + next > budget)
            {
                break;
            }

            kept += next;
        }

        return new StringBuilder(kept + ellipsis.Length).Append(value, 0, kept).Append(ellipsis).ToString();
    }
}
