using VinzVault.Protocol.Core;

namespace VinzVault.Protocol.Membership;

/// <summary>
/// A state EDRA may still be spreading, as one host learned it: its id, when it was detected (deciseconds of that
/// host's clock) and the state it replaced there (incarnation and liveness packed by the node; 0 means none).
/// </summary>
public readonly record struct RecentState(RingId Id, int DetectedDecis, uint Replaced);

/// <summary>
/// One host's recently learned states in learning order: the node appends each and drops them from the oldest
/// once they leave its in-flight window (anti-entropy digests lag behind them). The real runtime keeps its own
/// (<see cref="RecentStateQueue"/>); the simulator stores each distinct record once for all its hosts, since
/// nearly every host learns the same events, while each host's queue holds exactly what it learned.
/// </summary>
public interface IRecentStates
{
    int Count { get; }

    /// <summary>The record <paramref name="i"/> places behind the oldest; i must be in [0, Count).</summary>
    RecentState this[int i] { get; }

    void Enqueue(in RecentState r);

    /// <summary>Drops the oldest record.</summary>
    void Dequeue();
}
