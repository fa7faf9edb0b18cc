using VinzVault.Protocol.Core;

namespace VinzVault.Protocol.Membership;

/// <summary>
/// A host's view of the membership: live members sorted by ring id, plus the newest known state (including
/// departures) of every host it has heard of. The protocol code sees only this interface; the real runtime uses
/// <see cref="SortedRoutingTable"/>, the simulator a shared compact representation. Both are property-tested
/// against one model. Ring navigation (successors, owners) is in <see cref="RoutingTableExtensions"/>.
/// </summary>
public interface IRoutingTable
{
    /// <summary>Live members.</summary>
    int Count { get; }

    /// <summary>The live member at <paramref name="rank"/> (0 = smallest id); rank must be in [0, Count).</summary>
    Member At(int rank);

    /// <summary>How many live members have an id strictly below <paramref name="id"/>.</summary>
    int Rank(RingId id);

    /// <summary>The newest state known about a host, live or departed; false when the host was never heard of.</summary>
    bool TryGetState(RingId id, out MembershipEvent state);

    /// <summary>
    /// <see cref="TryGetState"/> for each of <paramref name="ids"/>, which ascend: <paramref name="known"/>[i] and
    /// <paramref name="states"/>[i] answer ids[i]. A table may answer in one merge pass (the lag corrections of an
    /// anti-entropy digest look up about 900 ids at 100,000 hosts, twice a round).
    /// </summary>
    void TryGetStates(ReadOnlySpan<RingId> ids, Span<MembershipEvent> states, Span<bool> known)
    {
        for (int i = 0; i < ids.Length; i++) known[i] = TryGetState(ids[i], out states[i]);
    }

    /// <summary>
    /// Applies an event idempotently; true when it changed the stored state (it was news). <paramref name="replaced"/> is
    /// the state held before (null when the host was never heard of): one lookup, where asking first cost two.
    /// </summary>
    bool Apply(in MembershipEvent e, out MembershipEvent? replaced);

    /// <summary>Appends the known states (live and departed) of the hosts with ids in [from, to], ascending.</summary>
    void CopyStates(RingId from, RingId to, List<MembershipEvent> into);

    /// <summary>Order-free digest of the known states with ids in [from, to], and how many there are.</summary>
    (ulong Digest, int States) Digest(RingId from, RingId to);
}
