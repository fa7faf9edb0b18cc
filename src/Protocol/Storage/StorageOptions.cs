using VinzVault.Protocol.Core;

namespace VinzVault.Protocol.Storage;

/// <summary>Timeouts and throttles of the storage protocol.</summary>
/// <param name="Tick">Period of the housekeeping timer (retransmits, timeouts): a few same-DC round trips.</param>
/// <param name="RetryInterval">Resend an unacknowledged write or fence after this; 4x a cross-DC round trip (20 ms one way).</param>
/// <param name="ReadTimeout">A one-replica read not answered by then falls back to a quorum read.</param>
/// <param name="GiveUpAfter">Stop retransmitting to a replica after this; it is then stale until repair resyncs it.</param>
/// <param name="RepairInterval">How often an owner looks for stale replicas of its chunks.</param>
/// <param name="MaxConcurrentResyncs">Chunk resyncs in flight per owned volume (an owner of several volumes runs this many for
/// each): bounds a volume's repair traffic so its client I/O keeps its latency.</param>
/// <param name="SyncWait">How long a chunk sync waits for all replicas after a quorum answered (to skip the write-back).</param>
/// <param name="ReplaceAfter">A replica silent this long (no answer to writes or probes) is replaced by another host; real
/// deployments wait minutes (a reboot should not move data), simulated scenarios seconds.</param>
/// <param name="StrayAfter">A replica checks a chunk copy against the volume's register once no request touched it this long,
/// and again after each such quiet span: a few ReplaceAfter, so a copy its owner still uses is rarely checked. Real
/// deployments can wait hours (a stray copy only costs disk); simulated scenarios need it within a run.</param>
/// <param name="StrayScanInterval">How often a replica looks for such copies; it checks one volume at a time (one register read).</param>
/// <param name="RebalanceInterval">How often an owner compares its chunks' members with its live view, to move chunks onto
/// hosts that joined (each comparison walks the view once per chunk).</param>
/// <param name="RegisterReplicas">Acceptors of a metadata register: 5 survive two failures (a chunk's 3 replicas survive one).</param>
/// <param name="RegisterAttempts">Ballots a register change tries before it fails as contended (each retry backs off randomly).</param>
public sealed record StorageOptions(Micros Tick, Micros RetryInterval, Micros ReadTimeout, Micros GiveUpAfter, Micros RepairInterval, int MaxConcurrentResyncs, Micros SyncWait,
    Micros StrayAfter, Micros StrayScanInterval,
    Micros ReplaceAfter = default, Micros RebalanceInterval = default, int RegisterReplicas = 5, int RegisterAttempts = 40)
{
    public static readonly StorageOptions Default = new(
        Tick: Micros.FromMillis(20),
        RetryInterval: Micros.FromMillis(160),
        ReadTimeout: Micros.FromMillis(100),
        GiveUpAfter: Micros.FromSeconds(10),
        RepairInterval: Micros.FromSeconds(1),
        MaxConcurrentResyncs: 2,
        SyncWait: Micros.FromMillis(60),
        StrayAfter: Micros.FromSeconds(10),
        StrayScanInterval: Micros.FromSeconds(2),
        ReplaceAfter: Micros.FromSeconds(8),
        RebalanceInterval: Micros.FromSeconds(5));
}
