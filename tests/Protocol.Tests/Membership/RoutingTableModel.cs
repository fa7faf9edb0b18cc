using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;

namespace VinzVault.Protocol.Tests.Membership;

/// <summary>The obviously-right model every routing table must match: a SortedSet of live ids and the newest state per id.</summary>
public sealed class RoutingTableModel
{
    private readonly SortedDictionary<ulong, MembershipEvent> _states = [];
    private readonly SortedSet<ulong> _live = [];

    public int Count => _live.Count;

    public bool Apply(MembershipEvent e)
    {
        if (_states.TryGetValue(e.Id.Value, out var old) && old.Version >= e.Version) return false;
        _states[e.Id.Value] = e;
        if (e.Joined) _live.Add(e.Id.Value); else _live.Remove(e.Id.Value);
        return true;
    }

    public int Rank(RingId id) => _live.Count(x => x < id.Value);

    public Member At(int rank) => _states[_live.ElementAt(rank)].Member;

    /// <summary>succ(key): the first live id at or after key, wrapping.</summary>
    public Member SuccessorOfKey(RingId key) => At(_live.Where(x => x >= key.Value).Select(Index).DefaultIfEmpty(0).First());

    public Member Successor(RingId p, int k)
    {
        var after = _live.Where(x => x > p.Value).Concat(_live.Where(x => x <= p.Value)).ToList();
        return _states[after[(k - 1) % after.Count]].Member;
    }

    public Member Predecessor(RingId p, int k)
    {
        var before = _live.Where(x => x < p.Value).Reverse().Concat(_live.Where(x => x >= p.Value).Reverse()).ToList();
        return _states[before[(k - 1) % before.Count]].Member;
    }

    public List<MembershipEvent> States(RingId from, RingId to) => _states.Values.Where(s => s.Id.Value >= from.Value && s.Id.Value <= to.Value).ToList();

    private int Index(ulong id) => _live.TakeWhile(x => x != id).Count();
}
