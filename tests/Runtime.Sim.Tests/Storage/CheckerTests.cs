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
}
