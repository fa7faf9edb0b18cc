using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Tests.Membership;
using VinzVault.Runtime.Sim.Protocols;

namespace VinzVault.Runtime.Sim.Tests.Membership;

public class SharedRecentStatesProperties
{
    private const int Hosts = 4;

    /// <summary>
    /// Four hosts' recent states share one log; each step enqueues, dequeues or releases (the host went down and
    /// comes back with an empty queue) on one host. Every host's queue must stay exactly its own model, and the log
    /// must hold exactly the distinct records some queue still holds: none freed while held, none kept after.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property EveryHostQueueStaysExactlyItsOwnAndTheLogHoldsOnlyWhatQueuesHold() =>
        Prop.ForAll(
            Arb.From(Gen.ArrayOf(
                from host in Gen.Choose(0, Hosts - 1)
                from release in Gen.Frequency((1, Gen.Constant(true)), (9, Gen.Constant(false)))
                from op in RecentGen.Op
                select (host, release, op))),
            steps =>
            {
                var ids = Enumerable.Range(0, Hosts).Select(h => new RingId((ulong)h)).ToArray();
                var tables = new SharedTables(ids, ids.Select(i => new Address(i.Value)).ToArray(), formedHosts: 0);
                var queues = Enumerable.Range(0, Hosts).Select(tables.CreateRecentStates).ToArray();
                var models = Enumerable.Range(0, Hosts).Select(_ => new Queue<RecentState>()).ToArray();
                foreach (var (h, release, op) in steps)
                {
                    if (release)
                    {
                        tables.Release(h);
                        queues[h] = tables.CreateRecentStates(h);
                        models[h].Clear();
                    }
                    else if (RecentGen.Step(queues[h], models[h], op) is { } diff) return false.Label($"host {h}, {op}: {diff}");
                    int held = models.SelectMany(m => m).Distinct().Count();
                    if (tables.RecentLog.Records != held) return false.Label($"log holds {tables.RecentLog.Records} records, queues {held}");
                }
                return true.Label("ok");
            });
}
