namespace Portal.Web.Features.Incidents;

/// <summary>
/// A queue per incident whose work must apply one at a time (revision, hash chain, quorum), drained as group
/// commits: callers enqueue, whoever finds the incident's lane idle drains it, up to <c>maxBatch</c> items per
/// call of <c>apply</c> (one transaction, one lock, one notification). Each caller gets its own result, only
/// after the batch it was in returned. A batch that throws is retried one item at a time, so only the item at
/// fault fails; a single item's exception goes to its caller. Knows nothing of what the items are.
/// </summary>
public sealed class IncidentLane<TItem, TResult>(Func<Guid, IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> apply, int maxBatch)
{
    private readonly Dictionary<Guid, Lane> _lanes = [];

    public int MaxBatch => maxBatch;

    /// <summary>Queues <paramref name="item"/> in its incident's lane; the caller may stop waiting, the item applies regardless.</summary>
    public Task<TResult> SubmitAsync(Guid incidentId, TItem item, CancellationToken cancellationToken)
    {
        var pending = new Pending(item);
        Lane lane;
        bool lead;
        lock (_lanes)
        {
            if (!_lanes.TryGetValue(incidentId, out lane!))
            {
                _lanes[incidentId] = lane = new Lane();
            }

            lane.Queue.Add(pending);
            lead = !lane.Draining;
            lane.Draining = true;
        }

        if (lead)
        {
            _ = Task.Run(() => DrainAsync(incidentId, lane), CancellationToken.None);
        }

        return pending.Completion.Task.WaitAsync(cancellationToken);
    }

    private async Task DrainAsync(Guid incidentId, Lane lane)
    {
        while (true)
        {
            List<Pending> batch;
            lock (_lanes)
            {
                if (lane.Queue.Count == 0)
                {
                    lane.Draining = false;
                    _lanes.Remove(incidentId);
                    return;
                }

                batch = lane.Queue.GetRange(0, Math.Min(maxBatch, lane.Queue.Count));
                lane.Queue.RemoveRange(0, batch.Count);
            }

            if (batch.Count == 1 || !await TryBatchAsync(incidentId, batch))
            {
                foreach (var single in batch)
                {
                    await RunAsync(incidentId, [single], rethrow: false);
                }
            }
        }
    }

    private async Task<bool> TryBatchAsync(Guid incidentId, List<Pending> batch)
    {
        try
        {
            return await RunAsync(incidentId, batch, rethrow: true);
        }
#pragma warning disable CA1031 // the batch failed as a whole: each item is retried alone and its own error goes to its caller
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    private async Task<bool> RunAsync(Guid incidentId, List<Pending> batch, bool rethrow)
    {
        IReadOnlyList<TResult> results;
        try
        {
            results = await apply(incidentId, [.. batch.Select(p => p.Item)]);
        }
#pragma warning disable CA1031 // handed to the caller waiting for this item
        catch (Exception ex) when (!rethrow)
#pragma warning restore CA1031
        {
            batch[0].Completion.TrySetException(ex);
            return false;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Completion.TrySetResult(results[i]);
        }

        return true;
    }

    private sealed class Lane
    {
        public List<Pending> Queue { get; } = [];
        public bool Draining { get; set; }
    }

    private sealed class Pending(TItem item)
    {
        public TItem Item { get; } = item;
        public TaskCompletionSource<TResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
