using VinzVault.Protocol.Core;

namespace VinzVault.Runtime.Sim.Engine;

/// <summary>
/// Benchmark baseline: the event queue alone at a given depth, each pop pushing one event a random
/// distance ahead (what the engine does at minimum per event).
/// </summary>
public sealed class EventQueueProbe(int depth)
{
    public long Run(long events)
    {
        var q = new EventQueue();
        var rng = new Prng(7);
        for (int i = 0; i < depth; i++)
        {
            var e = new SimEvent { Time = rng.NextLong(1_000_000), Host = i };
            q.Push(ref e);
        }
        long sum = 0;
        for (long i = 0; i < events; i++)
        {
            var e = q.Pop();
            sum += e.Host;
            e.Time += 1 + rng.NextLong(1_000_000);
            q.Push(ref e);
        }
        return sum;
    }
}
