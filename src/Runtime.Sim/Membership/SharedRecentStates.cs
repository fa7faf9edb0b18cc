using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;

namespace VinzVault.Runtime.Sim.Membership;

/// <summary>
/// One host's recent states in <see cref="SharedRecords{T}"/>: its own queue of references to shared records, two bytes
/// each while every reference fits (the log reuses freed slots, so it holds a few thousand at 100,000 hosts), four once
/// one does not. A host holds about a thousand at 100,000 hosts under churn, and four-byte references made these
/// queues the largest per-host memory of that run (about 490 MB).
/// </summary>
public sealed class SharedRecentStates(SharedRecords<RecentState> log) : IRecentStates
{
    private RingQueue<ushort>? _narrow = new();
    private RingQueue<int>? _wide;

    public int Count => _narrow?.Count ?? _wide!.Count;

    public RecentState this[int i] => log[Slot(i)];

    /// <summary>Whether this queue had to widen its references (a test reads it).</summary>
    internal bool Wide => _wide is not null;

    public void Enqueue(in RecentState r)
    {
        int slot = log.Acquire(r, r.Id.Value ^ (ulong)(uint)r.DetectedDecis << 32 ^ r.Replaced);
        if (_narrow is { } narrow)
        {
            if (slot <= ushort.MaxValue)
            {
                narrow.Enqueue((ushort)slot);
                return;
            }
            _wide = new RingQueue<int>();
            for (int i = 0; i < narrow.Count; i++) _wide.Enqueue(narrow[i]);
            _narrow = null;
        }
        _wide!.Enqueue(slot);
    }

    public void Dequeue() => log.Release(_narrow is { } narrow ? narrow.Dequeue() : _wide!.Dequeue());

    /// <summary>The host is gone: its references are dropped and the queue left empty.</summary>
    internal void Release()
    {
        for (int i = 0; i < Count; i++) log.Release(Slot(i));
        _narrow = new();
        _wide = null;
    }

    private int Slot(int i) => _narrow is { } narrow ? narrow[i] : _wide![i];
}
