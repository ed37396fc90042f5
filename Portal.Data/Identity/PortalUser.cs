using Microsoft.AspNetCore.Identity;

namespace Portal.Data.Identity;

/// <summary>A person (or a script's identity) who signs in. Roles live in Identity's role tables.</summary>
public sealed class PortalUser : IdentityUser<Guid>
{
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Who invited this user; null for the bootstrap admin.</summary>
    public Guid? InvitedBy { get; set; }

    /// <summary>Set by an admin: the user can no longer sign in, and their sessions and tokens stop working.</summary>
    public DateTimeOffset? DisabledAt { get; set; }
}

/// <summary>The five roles of the portal, by name.</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string CoreDev = "coredev";
    public const string Commander = "commander";
    public const string Operator = "operator";
    public const string Observer = "observer";

    public static IReadOnlyList<string> All { get; } = [Admin, CoreDev, Commander, Operator, Observer];

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);
}
