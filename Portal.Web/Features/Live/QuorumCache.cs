using System.Collections.Concurrent;
using Portal.Web.Features.Incidents;

namespace Portal.Web.Features.Live;

/// <summary>
/// The latest quorum document per incident on this instance, kept by the broadcaster, so that thousands of
/// watchers (re)subscribing after a restart do not each read the whole incident.
/// </summary>
public sealed class QuorumCache
{
    private readonly ConcurrentDictionary<Guid, QuorumDocument> _latest = new();

    public void Remember(QuorumDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        _latest.AddOrUpdate(document.IncidentId, document, (_, current) => document.Revision >= current.Revision ? document : current);
    }

    public QuorumDocument? Find(Guid incidentId) => _latest.TryGetValue(incidentId, out var document) ? document : null;
}
