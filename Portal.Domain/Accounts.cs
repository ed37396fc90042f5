namespace Portal.Domain;

/// <summary>
/// What a portal user name may be, for the API and the invitation form alike: 2 to <see cref="Max"/> ASCII
/// letters, digits or <c>. _ @ + -</c>. User names appear in timelines and commands people read, so nothing
/// that looks like something else (spaces, look-alike letters, invisible characters).
/// </summary>
public static class UserNames
{
    public const int Min = 2;
    public const int Max = 64;

    public static string? Problem(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "A user name is required.";
        }

        if (name.Length is < Min or > Max)
        {
            return $"A user name has {Min} to {Max} characters.";
        }

        return name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '@' or '+' or '-')
            ? null
            : "A user name may contain only letters A-Z, digits and . _ @ + -.";
    }
}

/// <summary>
/// A deliberately plain e-mail address check: one <c>@</c>, a local part of printable ASCII without spaces or
/// quotes, and a domain of dot-separated labels of letters, digits and hyphens with at least one dot.
/// Internationalised addresses are refused rather than half-supported: notifications go out over SMTP.
/// </summary>
public static class EmailAddresses
{
    public const int Max = 254;
    private const int LocalMax = 64;
    private const int LabelMax = 63;

    public static string? Problem(string? email)
    {
        if (string.IsNullOrEmpty(email))
        {
            return "An e-mail address is required.";
        }

        const string Invalid = "That is not an e-mail address (like name@example.org).";
        if (email.Length > Max)
        {
            return $"An e-mail address has at most {Max} characters.";
        }

        var at = email.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != email.LastIndexOf('@') || at > LocalMax)
        {
            return Invalid;
        }

        var local = email[..at];
        var domain = email[(at + 1)..];
        if (!local.All(c => c is > ' ' and < '\u007F' and not ('"' or '(' or ')' or ',' or ':' or ';' or '<' or '>' or '[' or '\\' or ']'))
            || local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal))
        {
            return Invalid;
        }

        var labels = domain.Split('.');
        return labels.Length >= 2 && labels.All(l => l.Length is > 0 and <= LabelMax && !l.StartsWith('-') && !l.EndsWith('-') && l.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            ? null
            : Invalid;
    }
}
