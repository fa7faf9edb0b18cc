using VinzVault.Protocol.Core;

namespace VinzVault.Protocol.Membership;

/// <summary>
/// The real runtime's routing table: a sorted array of live members (binary search for rank and owner, memmove
/// on change, which at 20 events/s and 10^5 entries costs nothing) and a sorted list of all known states.
/// </summary>
public sealed class SortedRoutingTable : IRoutingTable
{
    private readonly List<Member> _live = [];
    private readonly List<MembershipEvent> _states = [];

    public int Count => _live.Count;

    public Member At(int rank) => _live[rank];

    public int Rank(RingId id)
    {
        int lo = 0, hi = _live.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_live[mid].Id.Value < id.Value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    public bool TryGetState(RingId id, out MembershipEvent state)
    {
        int i = StateIndex(id);
        bool found = i < _states.Count && _states[i].Id == id;
        state = found ? _states[i] : default;
        return found;
    }

    public bool Apply(in MembershipEvent e, out MembershipEvent? replaced)
    {
        int i = StateIndex(e.Id);
        bool known = i < _states.Count && _states[i].Id == e.Id;
        replaced = known ? _states[i] : null;
        if (known && _states[i].Version >= e.Version) return false;
        bool wasLive = known && _states[i].Joined;
        if (known) _states[i] = e; else _states.Insert(i, e);
        int r = Rank(e.Id);
        if (wasLive && e.Joined) _live[r] = e.Member;
        else if (wasLive) _live.RemoveAt(r);
        else if (e.Joined) _live.Insert(r, e.Member);
        return true;
    }

    public void CopyStates(RingId from, RingId to, List<MembershipEvent> into)
    {
        for (int i = StateIndex(from); i < _states.Count && _states[i].Id.Value <= to.Value; i++) into.Add(_states[i]);
    }

    public (ulong Digest, int States) Digest(RingId from, RingId to)
    {
        ulong d = 0;
        int n = 0;
        for (int i = StateIndex(from); i < _states.Count && _states[i].Id.Value <= to.Value; i++, n++) d += _states[i].DigestHash;
        return (d, n);
    }

    private int StateIndex(RingId id)
    {
        int lo = 0, hi = _states.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_states[mid].Id.Value < id.Value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
