using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;

namespace VinzVault.Runtime.Sim.Membership;

/// <summary>One host's recent states in <see cref="SharedRecords{T}"/>: its own queue of references to shared records.</summary>
public sealed class SharedRecentStates(SharedRecords<RecentState> log) : IRecentStates
{
    private readonly RingQueue<int> _slots = new();

    public int Count => _slots.Count;

    public RecentState this[int i] => log[_slots[i]];

    public void Enqueue(in RecentState r) => _slots.Enqueue(log.Acquire(r, r.Id.Value ^ (ulong)(uint)r.DetectedDecis << 32 ^ r.Replaced));

    public void Dequeue() => log.Release(_slots.Dequeue());

    /// <summary>The host is gone: its references are dropped and the queue left empty.</summary>
    internal void Release()
    {
        for (int i = 0; i < _slots.Count; i++) log.Release(_slots[i]);
        _slots.Clear();
    }
}
