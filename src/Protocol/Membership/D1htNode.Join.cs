using System.Runtime.InteropServices;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership.Messages;
using VinzVault.Protocol.Node;

namespace VinzVault.Protocol.Membership;

/// <summary>
/// Joining (D1HT.md "Joining"): any member routes the request to the joiner's successor, which transfers its table,
/// forwards the events it learns meanwhile, and after the quarantine T_q probes the joiner and detects its join.
/// </summary>
public sealed partial class D1htNode
{
    /// <summary>Hops a join request may be forwarded: once to the successor, plus slack for a stale table.</summary>
    private const int JoinMaxHops = 3;

    private sealed class Joiner(Member member, long tag)
    {
        public Member Member { get; } = member;
        public long Tag { get; } = tag;
    }

    private readonly SortedDictionary<RingId, Joiner> _joiners = [];
    private long _joinTag;
    private long _joinerSeq;

    private void SendJoinRequest(Micros now, Effects effects)
    {
        var peers = _ctx.Peers;
        var contact = peers.Count > 0 ? peers[_rng.Next(peers.Count)] : Address.None;
        if (!contact.IsNone && contact != _self) Send(effects, contact, new JoinRequestMessage(_id, _self, _incarnation, 0));
        effects.SetTimer(new TimerKey(Timers.JoinRetry, ++_joinTag), now + _options.JoinTimeout);
    }

    private void OnJoinRetry(Micros now, long tag, Effects effects)
    {
        if (tag == _joinTag && _phase == Phase.Joining) SendJoinRequest(now, effects);
    }

    private void OnJoinRequest(Micros now, Address from, JoinRequestMessage m, Effects effects)
    {
        if (_phase != Phase.Member || m.Id == _id) return;
        var successor = _table.Successor(m.Id, 1);
        if (successor.Id != _id)
        {
            if (m.Hops < JoinMaxHops) Send(effects, successor.Address, m with { Hops = (byte)(m.Hops + 1) });
            return;
        }
        var joiner = new Member(m.Id, m.Joiner, m.Incarnation);
        if (_table.TryGetState(m.Id, out var known))
        {
            if (known.Incarnation > m.Incarnation) return;
            if (known.Incarnation == m.Incarnation && known.Joined)
            {
                Send(effects, m.Joiner, new JoinAdmittedMessage(m.Incarnation));
                return;
            }
            // A new session of a host we still list: the old session is over, and we are its detector.
            if (known.Joined) Detect(now, MembershipEvent.Leave(known.Member), effects);
        }
        if (_joiners.TryGetValue(m.Id, out var pending) && pending.Member == joiner) return;
        long tag = ++_joinerSeq;
        _joiners[m.Id] = new Joiner(joiner, tag);
        var copy = Scratch.States;
        copy.Clear();
        _table.CopyStates(new RingId(0), new RingId(ulong.MaxValue), copy);
        int max = _options.MaxRecordsPerMessage;
        int total = Math.Max(1, (copy.Count + max - 1) / max);
        // The first chunk also says which states are still in flight, so the joiner's digests lag like everyone's.
        var inFlight = InFlightStates(now);
        for (int i = 0; i < total; i++)
            Send(effects, m.Joiner, new TableChunkMessage(i, total, CollectionsMarshal.AsSpan(copy).Slice(i * max, Math.Min(max, copy.Count - i * max)).ToArray(), i == 0 ? inFlight : []));
        effects.SetTimer(new TimerKey(Timers.Quarantine, tag), now + _options.Quarantine);
    }

    private void OnQuarantineEnd(Micros now, long tag, Effects effects)
    {
        foreach (var j in _joiners.Values)
        {
            if (j.Tag != tag) continue;
            if (_phase == Phase.Member) SendProbe(now, ProbeKind.Admission, j.Member, effects);
            else _joiners.Remove(j.Member.Id);
            return;
        }
    }

    private void Admit(Micros now, Member joiner, uint answered, Effects effects)
    {
        if (!_joiners.TryGetValue(joiner.Id, out var j) || j.Member != joiner) return;
        _joiners.Remove(joiner.Id);
        if (answered != joiner.Incarnation || _phase != Phase.Member) return;
        // A session already declared gone cannot be admitted again: the transfer told the joiner, which refutes.
        if (Detect(now, MembershipEvent.Join(joiner), effects) || _table.TryGetMember(joiner.Id, out var m) && m == joiner)
        {
            Send(effects, joiner.Address, new JoinAdmittedMessage(joiner.Incarnation));
            _admitted.Add((joiner, now + InFlightWindow));
        }
    }

    /// <summary>
    /// Hosts admitted less than an in-flight window ago, which still get what we forward: until its join has spread,
    /// forwarders that do not know a new member send its share of their events past it. When forwarding stopped at
    /// admission, anti-entropy repaired 29,366 states at members in their first 3 minutes in 30 virtual minutes of
    /// 10,000-host churn; with it, 1,353.
    /// </summary>
    private readonly List<(Member Member, Micros Until)> _admitted = [];

    /// <summary>
    /// Events learned while a joiner is in transfer or quarantine, or newly admitted, go to it too, so its table does not
    /// miss them (<paramref name="outgoing"/>: all of the interval's pending events, aged).
    /// </summary>
    private void ForwardToJoiners(Micros now, Effects effects, EdraEvent[] outgoing)
    {
        for (int i = _admitted.Count - 1; i >= 0; i--)
            if (_admitted[i].Until < now) _admitted.RemoveAt(i);
        if (_joiners.Count + _admitted.Count == 0 || outgoing.Length == 0) return;
        foreach (var j in _joiners.Values) SendEdraSplit(now, effects, null, 0, outgoing, j.Member.Address);
        foreach (var a in _admitted) SendEdraSplit(now, effects, null, 0, outgoing, a.Member.Address);
    }

    private void OnTableChunk(Micros now, TableChunkMessage m, Effects effects)
    {
        if (_phase != Phase.Joining) return;
        foreach (var s in m.States) Apply(now, s, detected: false);
        foreach (var f in m.InFlight) NoteRecent(now, f.Id, now - EdraEvent.FromCentis(f.AgeCentis), f.Replaced);
        if (DeclaredGone)
        {
            Refute(now, effects);
            return;
        }
        // The successor holds us for T_q; give it that long (plus a timeout) before starting over.
        if (m.Index == 0) effects.SetTimer(new TimerKey(Timers.JoinRetry, ++_joinTag), now + _options.Quarantine + _options.JoinTimeout);
    }

    private void OnAdmitted(Micros now, JoinAdmittedMessage m, Effects effects)
    {
        if (_phase != Phase.Joining || m.Incarnation != _incarnation) return;
        Apply(now, MembershipEvent.Join(Me), detected: false, recentSince: now);
        if (DeclaredGone)
        {
            Refute(now, effects);
            return;
        }
        BecomeMember(now, effects);
    }
}
