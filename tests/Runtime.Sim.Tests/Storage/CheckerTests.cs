using VinzVault.Protocol.Storage;
using VinzVault.Runtime.Sim.Checkers;
using VinzVault.Runtime.Sim.Storage;
using VinzVault.Runtime.Sim.Storage.Checkers;

namespace VinzVault.Runtime.Sim.Tests.Storage;

/// <summary>Each checker fed a hand-made history with the violation it exists for, and a clean one.</summary>
public sealed class CheckerTests
{
    private static (StorageHistory History, Invariant Invariant) With(Func<Invariant, IStorageChecker> make)
    {
        var h = new StorageHistory();
        var inv = new Invariant("under test");
        h.Add(make(inv));
        return (h, inv);
    }

    [Fact]
    public void NoLostAckedWriteReportsAReadThatMissesAnAcknowledgedWrite()
    {
        var (h, inv) = With(i => new NoLostAckedWriteChecker(i));
        var w1 = h.Write(0, 5, now: 10, new Epoch(1));
        h.Acked(w1, 20);
        var w2 = h.Write(0, 5, now: 30, new Epoch(1));
        h.Acked(w2, 40);
        var r = h.ReadStarted(0, 5, 50);
        h.ReadReturned(r, w1.Value, 60);
        Assert.False(inv.Held);
        Assert.Contains("block 5", inv.FirstViolation);
    }

    [Fact]
    public void NoLostAckedWriteReportsZeroesAfterAnAcknowledgedWrite()
    {
        var (h, inv) = With(i => new NoLostAckedWriteChecker(i));
        var w = h.Write(1, 0, now: 10, new Epoch(1));
        h.Acked(w, 20);
        h.ReadReturned(h.ReadStarted(1, 0, 30), 0, 40);
        Assert.False(inv.Held);
    }

    [Fact]
    public void NoLostAckedWriteAcceptsAnInFlightOrLatestValue()
    {
        var (h, inv) = With(i => new NoLostAckedWriteChecker(i));
        var w1 = h.Write(0, 5, now: 10, new Epoch(1));
        h.Acked(w1, 20);
        var w2 = h.Write(0, 5, now: 30, new Epoch(1));
        h.ReadReturned(h.ReadStarted(0, 5, 35), w1.Value, 36);
        h.ReadReturned(h.ReadStarted(0, 5, 37), w2.Value, 38);
        Assert.True(inv.Held);
        Assert.Equal(2, inv.Checks);
    }

    [Fact]
    public void ReadsLinearizableReportsAReadGoingBackBehindAnEarlierRead()
    {
        var (h, inv) = With(i => new ReadsLinearizableChecker(i));
        var w1 = h.Write(0, 1, now: 10, new Epoch(1));
        h.Acked(w1, 20);
        var w2 = h.Write(0, 1, now: 30, new Epoch(1));
        // w2 is in flight: a read may return it, but a later read may then not return w1.
        h.ReadReturned(h.ReadStarted(0, 1, 40), w2.Value, 50);
        h.ReadReturned(h.ReadStarted(0, 1, 60), w1.Value, 70);
        Assert.False(inv.Held);
    }

    [Fact]
    public void ReadsLinearizableReportsAValueNeverWritten()
    {
        var (h, inv) = With(i => new ReadsLinearizableChecker(i));
        h.ReadReturned(h.ReadStarted(0, 1, 40), 12345, 50);
        Assert.False(inv.Held);
        Assert.Contains("no write", inv.FirstViolation);
    }

    [Fact]
    public void NoFencedWriteAckedReportsAZombieWriteAcknowledgedAfterTakeover()
    {
        var (h, inv) = With(i => new NoFencedWriteAckedChecker(i));
        h.TakeoverCompleted(3, new Epoch(2), 100);
        var before = h.Write(3, 0, now: 90, new Epoch(1));
        h.Acked(before, 110);
        Assert.True(inv.Held);
        var zombie = h.Write(3, 0, now: 120, new Epoch(1));
        h.Acked(zombie, 130);
        Assert.False(inv.Held);
        var owner = h.Write(3, 0, now: 140, new Epoch(2));
        h.Acked(owner, 150);
        Assert.Equal(1, inv.Violations);
    }

    [Fact]
    public void ReplicasRestoredReportsAMissingReplicaAndAMissingOwner()
    {
        var h = new StorageHistory();
        var inv = new Invariant("replicasRestored");
        int[] under = [0, 2, -1];
        h.Add(new ReplicasRestoredChecker(inv, under.Length, vm => under[vm]));
        h.End(1000);
        Assert.Equal(2, inv.Violations);
        Assert.Contains("vm 1: 2 chunks", inv.FirstViolation);
    }

    private static (MetadataLinearizableChecker Checker, Invariant Invariant) Metadata()
    {
        var inv = new Invariant("metadataLinearizable");
        return (new MetadataLinearizableChecker(inv), inv);
    }

    [Fact]
    public void MetadataLinearizableAcceptsOverlappingOperationsInAnyOrder()
    {
        var (c, inv) = Metadata();
        c.Completed("v", invoke: 0, complete: 10, version: 1, digest: 11, changed: true);
        // Overlapping with the next change: may see either version.
        c.Completed("v", invoke: 15, complete: 40, version: 3, digest: 33, changed: false);
        c.Completed("v", invoke: 12, complete: 30, version: 2, digest: 22, changed: true);
        c.Completed("v", invoke: 20, complete: 25, version: 2, digest: 22, changed: false);
        c.Completed("w", invoke: 50, complete: 60, version: 1, digest: 99, changed: true);
        Assert.True(inv.Held, inv.FirstViolation);
    }

    [Fact]
    public void MetadataLinearizableReportsAStaleRead()
    {
        var (c, inv) = Metadata();
        c.Completed("v", 0, 10, version: 2, digest: 22, changed: true);
        c.Completed("v", 20, 30, version: 1, digest: 11, changed: false);
        Assert.False(inv.Held);
        Assert.Contains("older than version 2", inv.FirstViolation);
    }

    [Fact]
    public void MetadataLinearizableReportsALostUpdate()
    {
        var (c, inv) = Metadata();
        c.Completed("v", 0, 10, version: 5, digest: 55, changed: true);
        // Built on version 4 as if the change above never happened: the same version again, another value.
        c.Completed("v", 5, 20, version: 5, digest: 56, changed: true);
        Assert.False(inv.Held);
        Assert.Contains("two values at version 5", inv.FirstViolation);
    }

    [Fact]
    public void MetadataLinearizableReportsAChangeThatIsNotNewer()
    {
        var (c, inv) = Metadata();
        c.Completed("v", 0, 10, version: 5, digest: 55, changed: true);
        c.Completed("v", 20, 30, version: 5, digest: 55, changed: true);
        Assert.False(inv.Held);
    }

    [Fact]
    public void MetadataLinearizableReportsAListMissingACreatedVolume()
    {
        var (c, inv) = Metadata();
        c.ListCompleted(0, 10, missing: null);
        Assert.True(inv.Held);
        c.ListCompleted(20, 30, missing: "vm-00003");
        Assert.False(inv.Held);
        Assert.Contains("vm-00003", inv.FirstViolation);
    }
}
