using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Membership.Messages;
using VinzVault.Protocol.Tests.Membership;
using VinzVault.Runtime.Sim.Membership;
using VinzVault.Runtime.Sim.Protocols;

namespace VinzVault.Runtime.Sim.Tests.Membership;

public class SharedRecordsProperties
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
                var tables = NewTables();
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
                    if (tables.RecentRecords.Records != held) return false.Label($"log holds {tables.RecentRecords.Records} records, queues {held}");
                }
                return true.Label("ok");
            });

    /// <summary>
    /// A queue holds two-byte references while the log's slots fit, and widens the first time one does not: with
    /// 70,000 distinct records held elsewhere, a host's later records take slots past 65,535. Its queue must read back
    /// exactly what it enqueued, across the widening and as it empties, and the log must free every record after.
    /// </summary>
    [Fact]
    public void AQueueWidensItsReferencesWhenTheLogOutgrowsTwoBytes()
    {
        var log = new SharedRecords<RecentState>();
        var other = new SharedRecentStates(log);
        var queue = new SharedRecentStates(log);
        var model = new Queue<RecentState>();
        static RecentState Record(int i) => new(new RingId((ulong)i), i % 7, (uint)(i % 3));
        for (int i = 0; i < 10; i++) { queue.Enqueue(Record(i)); model.Enqueue(Record(i)); }
        Assert.False(queue.Wide);
        for (int i = 0; i < 70_000; i++) other.Enqueue(Record(1_000_000 + i));
        for (int i = 10; i < 20; i++) { queue.Enqueue(Record(i)); model.Enqueue(Record(i)); }
        Assert.True(queue.Wide);
        Assert.Null(RecentGen.Compare(queue, model));
        other.Release();
        while (model.Count > 0)
        {
            queue.Dequeue();
            model.Dequeue();
            Assert.Null(RecentGen.Compare(queue, model));
        }
        Assert.Equal(0, log.Records);
    }

    private static readonly Gen<PendingEvent> Pending =
        from id in Gen.Choose(0, 3)
        from incarnation in Gen.Choose(1, 2)
        from joined in Gen.Elements(true, false)
        from detector in Gen.Choose(0, 1)
        from ttl in Gen.Elements(0, 1, 2, 16, byte.MaxValue)
        // Detection times far apart too: a list keeps them from its first one in 32 bits while they fit.
        from detectedAt in Gen.Elements(0L, 1L, 3L, 1L << 31, -(1L << 40), 1L << 50)
        select new PendingEvent(new MembershipEvent(new RingId((ulong)id), new Address((ulong)id), (uint)incarnation, joined),
            new RingId((ulong)detector), ttl, new Micros(detectedAt));

    /// <summary>
    /// Four hosts' pending events share one store of events and detectors; each step adds events to, clears (an
    /// interval ended) or releases (the host went down) one host's list. Every host must read back exactly what it
    /// added, TTL and detection time included, and the store must hold exactly the events some list still holds.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property EveryHostPendingListStaysExactlyItsOwnAndTheStoreHoldsOnlyWhatListsHold() =>
        Prop.ForAll(
            Arb.From(Gen.ArrayOf(
                from host in Gen.Choose(0, Hosts - 1)
                from kind in Gen.Frequency((6, Gen.Constant(0)), (2, Gen.Constant(1)), (1, Gen.Constant(2)))
                from events in Gen.ArrayOf(Pending)
                select (host, kind, events))),
            steps =>
            {
                var tables = NewTables();
                var lists = Enumerable.Range(0, Hosts).Select(tables.CreatePendingEvents).ToArray();
                var models = Enumerable.Range(0, Hosts).Select(_ => new List<PendingEvent>()).ToArray();
                foreach (var (h, kind, events) in steps)
                {
                    if (kind == 0)
                        foreach (var e in events) { lists[h].Add(e); models[h].Add(e); }
                    else if (kind == 1) lists[h].Clear();
                    else
                    {
                        tables.Release(h);
                        lists[h] = tables.CreatePendingEvents(h);
                    }
                    if (kind != 0) models[h].Clear();
                    for (int i = 0; i < Hosts; i++)
                    {
                        if (lists[i].Count != models[i].Count) return false.Label($"host {i} holds {lists[i].Count}, model {models[i].Count}");
                        for (int j = 0; j < models[i].Count; j++)
                            if (lists[i][j] != models[i][j]) return false.Label($"host {i} event {j} is {lists[i][j]}, model {models[i][j]}");
                    }
                    int held = models.SelectMany(m => m).Select(e => new EdraEvent(e.Event, e.Detector)).Distinct().Count();
                    if (tables.PendingRecords.Records != held) return false.Label($"store holds {tables.PendingRecords.Records} events, lists {held}");
                }
                return true.Label("ok");
            });

    private static SharedTables NewTables()
    {
        var ids = Enumerable.Range(0, Hosts).Select(h => new RingId((ulong)h)).ToArray();
        return new SharedTables(ids, ids.Select(i => new Address(i.Value)).ToArray(), formedHosts: 0);
    }
}
