using VinzVault.Protocol.Core;
using VinzVault.Protocol.Node;
using VinzVault.Runtime.Sim.Disk;
using VinzVault.Runtime.Sim.Engine;
using VinzVault.Runtime.Sim.Scenarios;

namespace VinzVault.Runtime.Sim.Tests.Engine;

public class DiskModelTests
{
    private static byte[] Read(SimDisk d, ulong file) => d.Complete(new DiskOp(DiskOpKind.Read, file, 0, null, 1 << 20), false).Data!;
    private static void Write(SimDisk d, ulong file, long off, params byte[] data) => Assert.True(d.Complete(new DiskOp(DiskOpKind.Write, file, off, data), false).Ok);
    private static void Sync(SimDisk d, ulong file) => Assert.True(d.Complete(new DiskOp(DiskOpKind.Sync, file), false).Ok);

    [Fact]
    public void SyncedWritesSurviveACrashAndUnsyncedOnesAreLost()
    {
        var d = new SimDisk();
        var faults = new FaultCounters();
        Write(d, 1, 0, 1, 2, 3);
        Sync(d, 1);
        Write(d, 1, 1, 9, 9);
        Write(d, 2, 0, 7);
        Assert.Equal(new byte[] { 1, 9, 9 }, Read(d, 1));
        d.Crash(new DiskSpec { LoseUnsyncedOnCrash = 1 }, new Prng(1), faults);
        Assert.Equal(new byte[] { 1, 2, 3 }, Read(d, 1));
        Assert.Empty(Read(d, 2));
        Assert.Equal(2, faults.UnsyncedWritesLost);
    }

    [Fact]
    public void ATornWriteKeepsOnlyAPrefix()
    {
        var d = new SimDisk();
        var faults = new FaultCounters();
        Write(d, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        Sync(d, 1);
        Write(d, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1);
        d.Crash(new DiskSpec { LoseUnsyncedOnCrash = 0, TearOnCrash = 1 }, new Prng(2), faults);
        var after = Read(d, 1);
        int ones = after.TakeWhile(b => b == 1).Count();
        Assert.InRange(ones, 1, 7);
        Assert.All(after.Skip(ones), b => Assert.Equal(0, b));
        Assert.Equal(1, faults.TornWrites);
    }

    [Fact]
    public void FailedOperationsChangeNothingAndTheQueueIsFifo()
    {
        var d = new SimDisk();
        var faults = new FaultCounters();
        var spec = new DiskSpec { WriteLatency = new Micros(10), SyncLatency = new Micros(1000) };
        var (w, _) = d.Schedule(new DiskOp(DiskOpKind.Write, 1), 0, spec, new Prng(1), faults);
        var (s, _) = d.Schedule(new DiskOp(DiskOpKind.Sync, 1), 0, spec, new Prng(1), faults);
        var (r, _) = d.Schedule(new DiskOp(DiskOpKind.Read, 1), 0, spec, new Prng(1), faults);
        Assert.True(w < s && s < r);
        var failed = d.Complete(new DiskOp(DiskOpKind.Write, 1, 0, [5]), fail: true);
        Assert.False(failed.Ok);
        Assert.Contains("I/O error", failed.Error);
        Assert.Empty(Read(d, 1));
    }
}
