using MudBlazor;
using Portal.Data.Identity;

namespace Portal.Web.Components.Layout;

/// <summary>One entry of the navigation: shown to the roles listed (none listed: every signed-in user).</summary>
public sealed record NavItem(string Href, string Title, string Icon, params string[] Roles)
{
    /// <summary>For <c>AuthorizeView Roles</c>: null shows the entry to anyone signed in.</summary>
    public string? RolesAttribute => Roles.Length == 0 ? null : string.Join(',', Roles);
}

/// <summary>The one list of where each role goes; the console drawer and the static pages' bar both render it.</summary>
public static class Navigation
{
    public static IReadOnlyList<NavItem> Items { get; } =
    [
        new("/", "Incidents", Icons.Material.Outlined.Warning),
        new("/me/validators", "My validators", Icons.Material.Outlined.Dns, Roles.Operator),
        new("/incidents/new", "Declare incident", Icons.Material.Outlined.AddAlert, Roles.Admin, Roles.Commander),
        new("/drills/new", "Run a drill", Icons.Material.Outlined.ModelTraining, Roles.Admin, Roles.Commander),
        new("/networks", "Networks", Icons.Material.Outlined.Hub, Roles.Admin, Roles.Commander),
        new("/releases", "Releases", Icons.Material.Outlined.NewReleases, Roles.Admin, Roles.CoreDev),
        new("/admin/users", "Users", Icons.Material.Outlined.People, Roles.Admin),
        new("/admin/audit", "Audit", Icons.Material.Outlined.Policy, Roles.Admin),
        new("/admin/timeline", "Timelines", Icons.Material.Outlined.Link, Roles.Admin),
        new("/me/notifications", "Notifications", Icons.Material.Outlined.NotificationsActive),
        new("/admin/webhooks", "Webhooks", Icons.Material.Outlined.Webhook, Roles.Admin, Roles.Commander),
        new("/account/tokens", "API tokens", Icons.Material.Outlined.Key),
        new("/api", "API reference", Icons.Material.Outlined.Api),
        new("/account/passkeys", "Passkeys", Icons.Material.Outlined.Fingerprint),
    ];
}
