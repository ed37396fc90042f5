using System.Runtime.CompilerServices;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Chain;

/// <summary>
/// One chain panel per published incident view, shared by the consoles that show that view. Every open console
/// gets the same <see cref="IncidentView"/> instance on a change, and each used to read the chain tables for it
/// (three queries per console per change); now the first reads and the others take its answer. Keyed by the
/// view instance, so an entry lives as long as some console holds the view and a newer view reads afresh.
/// </summary>
public sealed class ChainPanelCache
{
    private readonly ConditionalWeakTable<IncidentView, Task<ChainPanelModel>> _models = new();

    /// <summary>The panel for <paramref name="view"/>: <paramref name="load"/>'s answer, read once per view; a failed read is not kept.</summary>
    public Task<ChainPanelModel> GetAsync(IncidentView view, Func<IncidentView, Task<ChainPanelModel>> load)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(load);
        var model = _models.GetValue(view, v => LoadAsync(v, load));
        if (model.IsFaulted || model.IsCanceled)
        {
            // It failed before it was stored (so its own removal came too early): not kept either.
            _models.Remove(view);
        }

        return model;
    }

    private async Task<ChainPanelModel> LoadAsync(IncidentView view, Func<IncidentView, Task<ChainPanelModel>> load)
    {
        try
        {
            return await load(view);
        }
        catch
        {
            // The next console (or the next change) tries again.
            _models.Remove(view);
            throw;
        }
    }
}
