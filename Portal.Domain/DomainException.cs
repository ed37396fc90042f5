namespace Portal.Domain;

/// <summary>
/// A rule of the domain was broken: an illegal transition, a value out of range.
/// The web layer maps it to 400 (bad value) or 409 (illegal state change) with <see cref="Exception.Message"/> as the detail.
/// </summary>
public class DomainException(string message, string? field = null) : Exception(message)
{
    /// <summary>The input field at fault (camelCase, as the API names it), when there is one.</summary>
    public string? Field { get; } = field;
}

/// <summary>An operation that is illegal in the object's current state.</summary>
public sealed class IllegalTransitionException(string message) : DomainException(message);
