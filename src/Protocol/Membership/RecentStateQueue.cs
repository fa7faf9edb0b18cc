using VinzVault.Protocol.Core;

namespace VinzVault.Protocol.Membership;

/// <summary>The real runtime's recent states: the records themselves, in a ring.</summary>
public sealed class RecentStateQueue : IRecentStates
{
    private readonly RingQueue<RecentState> _queue = new();

    public int Count => _queue.Count;

    public RecentState this[int i] => _queue[i];

    public void Enqueue(in RecentState r) => _queue.Enqueue(r);

    public void Dequeue() => _queue.Dequeue();
}
