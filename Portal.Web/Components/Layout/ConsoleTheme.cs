using MudBlazor;

namespace Portal.Web.Components.Layout;

/// <summary>
/// The console's look. The static pages' bar (site.css, <c>.portal-bar</c>) uses the same primary colour, so
/// moving between a console page and a sign-in page does not change the look.
/// </summary>
public static class ConsoleTheme
{
    public const string Primary = "#1f4e8c";

    /// <summary>The system's fonts: no web font to fetch (the CSP allows none from elsewhere).</summary>
    private static readonly string[] Fonts = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"];

    public static MudTheme Theme { get; } = new()
    {
        // Status colours dark enough for white text (WCAG AA, 4.5:1): MudBlazor's defaults are lighter.
        PaletteLight = new PaletteLight
        {
            Primary = Primary,
            AppbarBackground = Primary,
            Success = "#2e7d32",
            Warning = "#b45309",
            Error = "#c62828",
            Info = "#1565c0",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#7fb0ff",
            PrimaryContrastText = "#0b1b33",
            AppbarBackground = "#15233a",
            Success = "#2e7d32",
            Warning = "#b45309",
            Error = "#c62828",
            Info = "#1565c0",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = Fonts },
        },
    };
}
