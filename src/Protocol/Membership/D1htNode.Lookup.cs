using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership.Messages;
using VinzVault.Protocol.Node;

namespace VinzVault.Protocol.Membership;

/// <summary>
/// One-hop lookup (D1HT.md "Lookup"): send to succ(k) in our table; a target that knows a newer owner forwards
/// the request (the redirect), the owner answers the origin directly. A timeout skips to the next peer and reports
/// the dead entry to its successor. In quarantine, lookups go through our successor (two hops).
/// </summary>
public sealed partial class D1htNode
{
    private sealed class PendingLookup(long client, RingId key)
    {
        public long Client { get; } = client;
        public RingId Key { get; } = key;
        public Member Target { get; set; }
        public int Attempts { get; set; }
    }

    private readonly SortedDictionary<long, PendingLookup> _lookups = [];
    private long _lookupSeq;

    private void StartLookup(Micros now, long client, RingId key, Effects effects)
    {
        if (_phase == Phase.Booting || _table.Count == 0)
        {
            effects.Reply(client, new LookupResult(false, default, 0, 0, "not joined yet"));
            return;
        }
        var lookup = new PendingLookup(client, key);
        long id = ++_lookupSeq;
        _lookups[id] = lookup;
        var target = _phase == Phase.Member ? _table.SuccessorOfKey(key) : _table.Successor(_id, 1);
        TryLookup(now, id, lookup, target, effects);
    }

    private void TryLookup(Micros now, long id, PendingLookup lookup, Member target, Effects effects)
    {
        lookup.Attempts++;
        lookup.Target = target;
        if (target.Id == _id && _phase == Phase.Member)
        {
            Finish(id, lookup, new LookupResult(true, Me, lookup.Attempts - 1, lookup.Attempts), effects);
            return;
        }
        Send(effects, target.Address, new LookupRequestMessage(id, lookup.Key, _self, 1));
        effects.SetTimer(new TimerKey(Timers.LookupTimeout, id << 8 | (long)lookup.Attempts), now + _options.LookupTimeout);
    }

    private void Finish(long id, PendingLookup lookup, LookupResult result, Effects effects)
    {
        _lookups.Remove(id);
        effects.Reply(lookup.Client, result);
    }

    private void OnLookupRequest(Micros now, Address from, LookupRequestMessage m, Effects effects)
    {
        if (_table.Count == 0) return;
        var owner = _table.SuccessorOfKey(m.Key);
        if (owner.Id == _id && _phase == Phase.Member)
            Send(effects, m.Origin, new LookupReplyMessage(m.RequestId, _id, _incarnation, m.Hops));
        else if (owner.Id != _id && m.Hops < _options.LookupMaxHops)
            Send(effects, owner.Address, m with { Hops = (byte)(m.Hops + 1) });
    }

    private void OnLookupReply(Micros now, Address from, LookupReplyMessage m, Effects effects)
    {
        if (!_lookups.TryGetValue(m.RequestId, out var lookup)) return;
        var owner = new Member(m.Owner, from, m.OwnerIncarnation);
        LearnFromTraffic(now, owner, effects);
        // Never hand out a host this table knows has left (issue invariant); ask the next peer instead.
        if (_table.TryGetState(owner.Id, out var s) && !s.Joined && s.Incarnation >= owner.Incarnation)
        {
            Retry(now, m.RequestId, lookup, effects);
            return;
        }
        Finish(m.RequestId, lookup, new LookupResult(true, owner, m.Hops + lookup.Attempts - 1, lookup.Attempts), effects);
    }

    private void OnLookupTimeout(Micros now, long tag, Effects effects)
    {
        long id = tag >> 8;
        if (!_lookups.TryGetValue(id, out var lookup) || lookup.Attempts != (int)(tag & 0xff)) return;
        var dead = lookup.Target;
        // A timeout is a suspicion: the dead entry's successor is the one to probe it and detect the leave.
        if (_table.Count > 1)
        {
            var detector = _table.Successor(dead.Id, 1);
            var suspect = new SuspectMessage(dead.Id, dead.Incarnation);
            if (detector.Id == _id) OnSuspect(now, suspect, effects);
            else Send(effects, detector.Address, suspect);
        }
        Retry(now, id, lookup, effects);
    }

    private void Retry(Micros now, long id, PendingLookup lookup, Effects effects)
    {
        if (lookup.Attempts >= _options.LookupAttempts || _table.Count == 0)
        {
            Finish(id, lookup, new LookupResult(false, default, 0, lookup.Attempts, "no live owner answered"), effects);
            return;
        }
        TryLookup(now, id, lookup, _table.Successor(lookup.Target.Id, 1), effects);
    }
}
