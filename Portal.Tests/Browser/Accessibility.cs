using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Portal.Tests.Browser;

/// <summary>axe-core, run in the page as it stands: every page a browser test visits should pass it.</summary>
public static class Accessibility
{
    /// <summary>
    /// Fails with each serious or critical violation (rule, what to fix, where) on the page as rendered now.
    /// Call it once the page shows what it is about (for a console page: after the circuit is up).
    /// </summary>
    public static async Task AssertAccessibleAsync(this IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);

        // Colours are judged once finite transitions (a button turning from outlined to filled, a ripple) have ended:
        // mid-fade, a label is briefly neither colour. Endless animations (spinners) are not waited for.
        await page.WaitForFunctionAsync(
            "() => document.getAnimations().every(a => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity)",
            null, new() { Timeout = 5_000 });
        var result = await page.RunAxe();
        var blocking = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(blocking.Count == 0, $"axe on {page.Url}:\n" + string.Join("\n", blocking.Select(v =>
            $"- {v.Id} ({v.Impact}): {v.Help} at {string.Join("; ", v.Nodes.Take(5).Select(n => n.Target?.ToString()))}")));
    }
}
