using VinzVault.Protocol.Core;
using VinzVault.Runtime.Sim.Checkers;

namespace VinzVault.Runtime.Sim.Storage.Checkers;

/// <summary>
/// <c>noLostAckedWrite</c>: a read never returns a value older than a write acknowledged before the read began.
/// "Older" is certain when the returned write was acknowledged before that write was even invoked. The workload
/// reads back every written block at the end, so a write lost without a later read is caught too.
/// </summary>
public sealed class NoLostAckedWriteChecker(Invariant invariant) : IStorageChecker
{
    public long Lost { get; private set; }

    public void OnRead(ReadRecord r, WriteRecord? returned)
    {
        if (returned is null) return;
        bool ok = returned.Ack >= r.MaxAckedInvokeAtStart;
        if (!ok) Lost++;
        invariant.Check(ok, () => $"vm {r.Vm} block {r.Block}: read at {new Micros(r.Invoke)} returned value {returned.Value} (acked {new Micros(returned.Ack)}), "
            + $"but a write invoked at {new Micros(r.MaxAckedInvokeAtStart)} was acknowledged before the read began");
    }
}
