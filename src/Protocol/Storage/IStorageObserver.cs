using VinzVault.Protocol.Core;

namespace VinzVault.Protocol.Storage;

/// <summary>What a storage node reports to whoever watches it (the simulator's metrics); the node never reads it back.</summary>
public interface IStorageObserver
{
    /// <summary>
    /// An asynchronous replica acknowledged a write the owner first sent <paramref name="lag"/> ago; after an outage,
    /// the resync that catches it up reports the time since the oldest write it missed (the async RPO exposure).
    /// </summary>
    void AsyncReplicaCaughtUp(Micros lag);

    /// <summary>
    /// Bytes a chunk sync (repair, or an owner's first look at a chunk) moved: its read requests, the replies that reach
    /// the owner while it waits for them, and its write-backs to every replica, resends included.
    /// </summary>
    void RepairTraffic(long bytes);

    /// <summary>
    /// A replacement ended: the next replica set is recorded and the replaced member is told to drop its copy.
    /// <paramref name="rebalanced"/>: it moved the chunk onto a joined host, not off a silent one.
    /// </summary>
    void ReplicaReplaced(bool rebalanced);
}
