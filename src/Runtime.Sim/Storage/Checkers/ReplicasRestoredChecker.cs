using VinzVault.Runtime.Sim.Checkers;

namespace VinzVault.Runtime.Sim.Storage.Checkers;

/// <summary>
/// <c>replicasRestored</c>: at the end of the run (faults stopped before, repair had the rest of the run) every
/// chunk of every volume has N in-sync replicas placed per policy, as its owner knows them. <paramref name="underReplicated"/>
/// gives a VM's count of chunks not fully replicated, or -1 when the VM has no live attached owner.
/// </summary>
/// <param name="describe">Details of a VM's under-replicated chunks for the violation message.</param>
/// <param name="settledAt">When repair has had its bound after the last fault and I/O; a run that ends earlier is not checked (0 checks).</param>
public sealed class ReplicasRestoredChecker(Invariant invariant, int vms, Func<int, int> underReplicated, Func<int, string>? describe = null, long settledAt = 0) : IStorageChecker
{
    public int UnderReplicatedAtEnd { get; private set; }

    public void OnEnd(long now)
    {
        if (now < settledAt) return;
        for (int vm = 0; vm < vms; vm++)
        {
            int n = underReplicated(vm);
            if (n != 0) UnderReplicatedAtEnd += Math.Max(n, 1);
            invariant.Check(n == 0, () => n < 0
                ? $"vm {vm} has no live owner at the end of the run"
                : $"vm {vm}: {n} chunks without N in-sync replicas at the end of the run{(describe is null ? "" : ": " + describe(vm))}");
        }
    }
}
