using VinzVault.Protocol.Core;
using VinzVault.Protocol.Storage;
using VinzVault.Runtime.Sim.Checkers;

namespace VinzVault.Runtime.Sim.Storage.Checkers;

/// <summary>
/// <c>noFencedWriteAcked</c>: once a takeover at epoch E has completed, no write invoked afterwards by an owner of
/// an older epoch is acknowledged. (A write invoked before may still be acknowledged: it reached a quorum before the
/// fence did, so it is not lost, and the new owner's chunk sync sees it.)
/// </summary>
public sealed class NoFencedWriteAckedChecker(Invariant invariant) : IStorageChecker
{
    private readonly SortedDictionary<int, SortedDictionary<Epoch, long>> _takeovers = [];

    public long FencedAcked { get; private set; }

    public void OnTakeoverCompleted(int vm, Epoch epoch, long now)
    {
        if (!_takeovers.TryGetValue(vm, out var t)) _takeovers[vm] = t = [];
        t.TryAdd(epoch, now);
    }

    public void OnWriteAcked(WriteRecord w, long now)
    {
        long fencedAt = long.MaxValue;
        if (_takeovers.TryGetValue(w.Vm, out var t))
            foreach (var (epoch, at) in t) if (epoch > w.Epoch) fencedAt = Math.Min(fencedAt, at);
        bool ok = w.Invoke <= fencedAt;
        if (!ok) FencedAcked++;
        invariant.Check(ok, () => $"vm {w.Vm} block {w.Block}: write {w.Value} at epoch {w.Epoch} invoked at {new Micros(w.Invoke)} "
            + $"was acknowledged at {new Micros(now)}, after a takeover completed at {new Micros(fencedAt)}");
    }
}
