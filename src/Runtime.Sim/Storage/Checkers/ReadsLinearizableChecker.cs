using VinzVault.Protocol.Core;
using VinzVault.Runtime.Sim.Checkers;

namespace VinzVault.Runtime.Sim.Storage.Checkers;

/// <summary>
/// <c>readsLinearizable</c> (per block): a read returns a value some write of that block produced, invoked before the
/// read ended, and never goes back behind a value an earlier completed read returned (the returned write must not
/// have been acknowledged before that earlier read's write was invoked).
/// </summary>
public sealed class ReadsLinearizableChecker(Invariant invariant) : IStorageChecker
{
    public long Stale { get; private set; }

    public void OnRead(ReadRecord r, WriteRecord? returned)
    {
        if (returned is null || returned.Invoke > r.End)
        {
            Stale++;
            invariant.Check(false, () => $"vm {r.Vm} block {r.Block}: read at {new Micros(r.Invoke)} returned value {r.Value}, which no write of this block had produced");
            return;
        }
        bool ok = returned.Ack >= r.MaxReadInvokeAtStart;
        if (!ok) Stale++;
        invariant.Check(ok, () => $"vm {r.Vm} block {r.Block}: read at {new Micros(r.Invoke)} returned value {returned.Value} (acked {new Micros(returned.Ack)}), "
            + $"older than the write invoked at {new Micros(r.MaxReadInvokeAtStart)} that an earlier read returned");
    }
}
