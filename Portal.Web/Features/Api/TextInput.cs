using System.Collections;
using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using Portal.Domain;

namespace Portal.Web.Features.Api;

/// <summary>Marks a request field that may hold several lines (tab and newline allowed); API.md v1.1 lists them.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class MultiLineAttribute : Attribute;

/// <summary>
/// Every string of every API request body is text a person could type (<see cref="Text.Problem"/>): checked
/// here once for all endpoints, so a NUL or a lone surrogate never reaches PostgreSQL (which refuses them with
/// an error that would otherwise be a 500), and an invisible-only name never reaches the domain. Each bad field
/// is named in the problem's <c>errors</c> map, by its JSON path (<c>validators[3].name</c>).
/// </summary>
public sealed class TextInputFilter : IEndpointFilter
{
    private const int MaxDepth = 6;
    private static readonly ConcurrentDictionary<Type, (PropertyInfo Property, string Name, bool MultiLine)[]> Shapes = new();

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        Dictionary<string, string[]>? errors = null;
        foreach (var argument in context.Arguments)
        {
            if (argument is not null && IsRequestType(argument.GetType()))
            {
                Check(argument, "", 0, ref errors);
            }
        }

        return errors is null ? await next(context) : ApiProblems.Invalid(errors);
    }

    /// <summary>The problems of one request object, by JSON path; empty when its text is all acceptable.</summary>
    public static IReadOnlyDictionary<string, string[]> Problems(object request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Dictionary<string, string[]>? errors = null;
        Check(request, "", 0, ref errors);
        return errors ?? [];
    }

    /// <summary>Request bodies are the portal's own records (services and framework types are not walked).</summary>
    private static bool IsRequestType(Type type) =>
        type.IsClass && type.Assembly == typeof(TextInputFilter).Assembly && type.GetMethod("<Clone>$") is not null;

    private static void Check(object value, string path, int depth, ref Dictionary<string, string[]>? errors)
    {
        if (depth > MaxDepth)
        {
            return;
        }

        foreach (var (property, name, multiLine) in Shapes.GetOrAdd(value.GetType(), Describe))
        {
            var field = path.Length == 0 ? name : $"{path}.{name}";
            CheckValue(property.GetValue(value), field, multiLine, depth, ref errors);
        }
    }

    private static void CheckValue(object? value, string field, bool multiLine, int depth, ref Dictionary<string, string[]>? errors)
    {
        switch (value)
        {
            case null:
                return;
            case string text:
                if (Text.Problem(text, multiLine) is { } problem)
                {
                    (errors ??= [])[field] = [$"The field {field} {problem}."];
                }

                return;
            case IEnumerable items:
                var i = 0;
                foreach (var item in items)
                {
                    CheckValue(item, $"{field}[{i++}]", multiLine, depth + 1, ref errors);
                }

                return;
            default:
                if (IsRequestType(value.GetType()))
                {
                    Check(value, field, depth + 1, ref errors);
                }

                return;
        }
    }

    private static (PropertyInfo, string, bool)[] Describe(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
            .Select(p => (p, JsonNamingPolicy.CamelCase.ConvertName(p.Name), IsMultiLine(type, p)))];

    /// <summary>
    /// Marked fields, and by name every <c>reason</c> and <c>message</c> (API.md: "every reason, page message").
    /// On a positional record the attribute sits on the constructor parameter; on a class, on the property.
    /// </summary>
    private static bool IsMultiLine(Type type, PropertyInfo property) =>
        property.Name is "Reason" or "Message" ||
        property.IsDefined(typeof(MultiLineAttribute)) ||
        type.GetConstructors().SelectMany(c => c.GetParameters()).Any(p => p.Name == property.Name && p.IsDefined(typeof(MultiLineAttribute)));
}

/// <summary>
/// The same rule for form fields, shown beside the field by <c>ValidationMessage</c>: a control character,
/// a lone surrogate, a line break in a single-line field or an invisible-only value is refused.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PlainTextAttribute : ValidationAttribute
{
    public bool MultiLine { get; init; }

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        return value is string text && Text.Problem(text, MultiLine) is { } problem
            ? new ValidationResult($"This field {problem}.", validationContext.MemberName is { } member ? [member] : null)
            : ValidationResult.Success;
    }
}

/// <summary>A user name as <see cref="UserNames"/> allows it, for the invitation form.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class UserNameAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        return UserNames.Problem((value as string)?.Trim()) is { } problem
            ? new ValidationResult(problem, validationContext.MemberName is { } member ? [member] : null)
            : ValidationResult.Success;
    }
}

/// <summary>An optional e-mail address as <see cref="EmailAddresses"/> allows it, for forms.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class EmailAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        return value is string text && !string.IsNullOrWhiteSpace(text) && EmailAddresses.Problem(text.Trim()) is { } problem
            ? new ValidationResult(problem, validationContext.MemberName is { } member ? [member] : null)
            : ValidationResult.Success;
    }
}

/// <summary>
/// An optional whole number typed into a text field, digits only, between <paramref name="min"/> and
/// <paramref name="max"/>: "12.5", "1e12", "abc" and numbers out of range are refused beside the field, where a numeric
/// field would have dropped them and kept its last good value.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class WholeNumberAttribute(int min, int max, string message) : ValidationAttribute(message)
{
    /// <summary>The number in a value this attribute accepted.</summary>
    public static int Read(string? text) => int.Parse(text!.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture);

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        if (value is not string text || string.IsNullOrWhiteSpace(text))
        {
            return ValidationResult.Success; // [Required] says so where a value is needed
        }

        var ok = int.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            && number >= min && number <= max;
        return ok ? ValidationResult.Success : new ValidationResult(ErrorMessageString, validationContext.MemberName is { } member ? [member] : null);
    }
}
