using VinzVault.Protocol.Core;
using VinzVault.Runtime.Sim.Engine;
using VinzVault.Runtime.Sim.Scenarios;

namespace VinzVault.Runtime.Sim.Network;

/// <summary>
/// The network model: latency per link class with jitter, loss, duplication, reordering and partitions.
/// Links are FIFO like TCP connections (see Jitter) unless the reorder fault holds a message back on purpose,
/// so "reordered" counts exactly the reorderings the scenario asked for.
/// </summary>
internal sealed class SimNetwork
{
    private readonly Topology _topology;
    private readonly NetworkSpec _spec;
    private readonly Prng _rng;
    private readonly FaultCounters _faults;
    private readonly List<Cut> _cuts = [];
    private readonly ulong _seed;
    private readonly long[] _latency;

    public SimNetwork(Topology topology, NetworkSpec spec, Prng rng, FaultCounters faults)
    {
        _topology = topology;
        _spec = spec;
        _rng = rng;
        _faults = faults;
        _seed = rng.NextUInt64();
        _latency = [1, spec.SameRack.Value, spec.SameDatacenter.Value, spec.CrossDatacenter.Value];
    }

    /// <summary>A set of hosts cut off from the rest; one-way cuts drop only traffic leaving the set.</summary>
    public sealed record Cut(bool[] Inside, bool OneWay);

    public int ActiveCuts => _cuts.Count;

    public void AddCut(Cut cut) => _cuts.Add(cut);
    public void RemoveCut(Cut cut) => _cuts.Remove(cut);

    /// <summary>
    /// Decides the fate of one message: up to two delivery times (a duplicate) written to
    /// <paramref name="at"/>; returns how many deliveries happen (0 when dropped).
    /// </summary>
    public int Route(int from, int to, long now, Span<long> at)
    {
        foreach (var cut in _cuts)
        {
            bool a = cut.Inside[from], b = cut.Inside[to];
            if (a != b && (!cut.OneWay || a)) { _faults.MessagesPartitioned++; return 0; }
        }
        if (_spec.Loss > 0 && _rng.Chance(_spec.Loss)) { _faults.MessagesLost++; return 0; }
        int n = 1;
        at[0] = Deliver(from, to, now);
        if (_spec.Duplicate > 0 && _rng.Chance(_spec.Duplicate))
        {
            _faults.MessagesDuplicated++;
            at[n++] = Deliver(from, to, now);
        }
        return n;
    }

    private long Deliver(int from, int to, long now)
    {
        long mean = _latency[(int)_topology.Classify(from, to)];
        long t = now + mean + Jitter(from, to, now, (long)(mean * _spec.Jitter));
        t = Math.Max(t, now + 1);
        if (_spec.Reorder > 0 && _rng.Chance(_spec.Reorder))
        {
            // Held back past later messages on the same link: the one way a link stops being FIFO.
            _faults.MessagesReordered++;
            return t + 1 + _rng.NextLong(Math.Max(1, _spec.ReorderDelay.Value));
        }
        return t;
    }

    /// <summary>
    /// Jitter that keeps each link FIFO without per-link state: a pseudo-random piecewise-linear function
    /// of send time, fixed per link and seed, whose slope stays below 1/2 (knots 4 amplitudes apart).
    /// A later send therefore always arrives later, as on a TCP connection.
    /// </summary>
    private long Jitter(int from, int to, long now, long amplitude)
    {
        if (amplitude <= 0) return 0;
        long knot = 4 * amplitude;
        long k = now / knot;
        ulong link = StableHash.Combine(_seed, ((ulong)(uint)from << 32) | (uint)to);
        double a = Unit(StableHash.Combine(link, (ulong)k)), b = Unit(StableHash.Combine(link, (ulong)k + 1));
        double frac = (double)(now - k * knot) / knot;
        // Floor keeps send time + jitter monotone (ties go by send order).
        return (long)Math.Floor(amplitude * (2 * (a + (b - a) * frac) - 1));
        static double Unit(ulong h) => (h >> 11) * (1.0 / (1UL << 53));
    }
}
