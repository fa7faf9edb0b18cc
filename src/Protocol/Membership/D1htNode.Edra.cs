using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership.Messages;
using VinzVault.Protocol.Node;

namespace VinzVault.Protocol.Membership;

/// <summary>
/// EDRA (D1HT.md rules 1-3, 5-7): events learned in an interval go out at its end, one message per TTL.
/// Messages are acknowledged (D1HT.md counts acknowledgements in the header h): a message unacknowledged after the
/// probe timeout goes once more, to the next member after its target. A target that died and is not yet known
/// as gone would otherwise swallow the events of its whole subtree, and at 10,000 hosts under churn that was
/// most of what anti-entropy had to repair. One timer watches all unacknowledged messages (the rho messages of an
/// interval leave together), not one per message: per-message timers were a fifth of a 100,000-host run's events.
/// </summary>
public sealed partial class D1htNode
{
    /// <summary>TTL of an event this peer detected: above every real TTL, so it goes into all rho messages (rule 5).</summary>
    private const int DetectedTtl = byte.MaxValue;

    /// <summary>Events to forward at the interval's end.</summary>
    private readonly IPendingEvents _pending;

    /// <summary>A sent EDRA message awaiting its acknowledgement.</summary>
    private readonly record struct Unacked(uint Seq, Address To, RingId Target, byte Ttl, ReadOnlyMemory<EdraEvent> Events, Micros SentAt, bool Retry);
    private readonly List<Unacked> _unacked = [];
    private bool _ackTimerArmed;
    /// <summary>Sequence of acknowledged messages, wrapping below 2^14 so it costs at most two bytes.</summary>
    private uint _edraSeq;
    private long _intervalTag;
    /// <summary>Tag of this membership session's anti-entropy chain.</summary>
    private long _sessionTag;
    private Micros _intervalStart;
    private int _eventsThisInterval;

    private void BecomeMember(Micros now, Effects effects)
    {
        _phase = Phase.Member;
        LogMember(_ctx.Logger, _id, _table.Count);
        _pending.Clear();
        _intervalStart = now;
        // A random phase: intervals are local and must not beat in step across the ring.
        _sessionTag = ++_intervalTag;
        effects.SetTimer(new TimerKey(Timers.Interval, _intervalTag), now + new Micros(1 + _rng.NextLong(_theta.Value)));
        if (_options.AntiEntropyThetas > 0)
            effects.SetTimer(new TimerKey(Timers.AntiEntropy, _sessionTag), now + new Micros(_theta.Value * _options.AntiEntropyThetas / 2 + _rng.NextLong(_theta.Value * _options.AntiEntropyThetas)));
        // A new session watches its predecessor afresh: the previous session's silence timers have lapsed.
        _predAddress = Address.None;
        RefreshPredecessor(now, effects);
    }

    /// <summary>Rule 4/5: this peer detected an event; it applies it and sends it in all its messages.</summary>
    private bool Detect(Micros now, in MembershipEvent e, Effects effects)
    {
        if (!Apply(now, e, detected: true, recentSince: now)) return false;
        Stats.EventsDetected++;
        LogDetected(_ctx.Logger, e);
        Learn(now, new EdraEvent(e, _id), DetectedTtl, now, effects);
        AfterChange(now, e, effects);
        return true;
    }

    /// <summary>True when this table says the current session has left: it must refute with a new incarnation.</summary>
    private bool DeclaredGone => _table.TryGetState(_id, out var mine) && IsLeaveOfThisSession(mine);

    private bool IsLeaveOfThisSession(in MembershipEvent e) => e.Id == _id && !e.Joined && e.Incarnation >= _incarnation;

    /// <summary>Queues a new event for forwarding with TTL <paramref name="ttl"/> (rules 2 and 6); the baseline sends it at once.</summary>
    private void Learn(Micros now, in EdraEvent e, int ttl, Micros detectedAt, Effects effects)
    {
        var pending = new PendingEvent(e.Event, e.Detector, ttl, detectedAt);
        _pending.Add(pending);
        if (_options.Mode != DisseminationMode.PerEvent) return;
        EdraEvent[]? payload = null;
        int rho = RoutingTableExtensions.Rho(_table.Count);
        for (int l = 0; l < Math.Min(ttl, rho); l++)
        {
            var target = _table.Successor(_id, 1 << l);
            if (target.Id == _id) break;
            if (!RingId.InHalfOpen(e.Detector, _id, target.Id)) SendAcknowledged(now, effects, target, (byte)l, payload ??= [pending.At(now)], retry: false);
        }
    }

    /// <summary>
    /// Rules 1-3 and 7 at the interval's end. Targets succ(p, 2^l) lie ever farther from p (2^(rho-1) &lt; n), so an event
    /// that rule 7 keeps out of the TTL-l message is kept out of every later one too: each event goes to the levels below
    /// its reach, min(TTL, first level whose target passes its detector). Sorted by reach, every message's events are a
    /// prefix of one array, which all the interval's messages share.
    /// </summary>
    private void OnIntervalEnd(Micros now, long tag, Effects effects)
    {
        if (tag != _intervalTag || _phase != Phase.Member) return;
        int n = _table.Count;
        int rho = RoutingTableExtensions.Rho(n);
        var targets = Scratch.Members;
        _table.PowerSuccessors(_id, n > 1 ? rho : 0, targets);
        int levels = 0;
        while (levels < targets.Count && targets[levels].Id != _id) levels++;
        var payload = SortedByReach(now, targets, levels, out var reach);
        for (int l = 0, count = payload.Length; l < levels; l++)
        {
            if (_options.Mode == DisseminationMode.Edra)
                while (count > 0 && reach[count - 1] <= l) count--;
            else count = 0;
            // Rule 3: the TTL-0 message is the heartbeat and always goes; the others only with events.
            if (l == 0 || count > 0) SendEdraSplit(now, effects, targets[l], (byte)l, payload.AsMemory(0, count));
        }
        ForwardToJoiners(now, effects, payload);
        _pending.Clear();
        _theta = _tuner.Next(_eventsThisInterval, now - _intervalStart, n);
        _inFlightWindow = null;
        _eventsThisInterval = 0;
        _intervalStart = now;
        effects.SetTimer(new TimerKey(Timers.Interval, ++_intervalTag), now + _theta);
    }

    /// <summary>The pending events as they go out now, by reach (levels they go to) from most to least, ties in arrival order.</summary>
    private EdraEvent[] SortedByReach(Micros now, List<Member> targets, int levels, out List<int> reach)
    {
        reach = Scratch.Reach;
        reach.Clear();
        if (_pending.Count == 0) return [];
        var order = Scratch.Order;
        order.Clear();
        var outgoing = Scratch.Events;
        outgoing.Clear();
        for (int i = 0; i < _pending.Count; i++)
        {
            var p = _pending[i];
            outgoing.Add(p.At(now));
            int r = 0, cap = Math.Min(p.Ttl, levels);
            while (r < cap && !RingId.InHalfOpen(p.Detector, _id, targets[r].Id)) r++;
            order.Add((long)(levels - r) << 32 | (uint)i);
        }
        order.Sort();
        var sorted = new EdraEvent[outgoing.Count];
        for (int k = 0; k < sorted.Length; k++)
        {
            sorted[k] = outgoing[(int)(uint)order[k]];
            reach.Add(levels - (int)(order[k] >> 32));
        }
        return sorted;
    }

    /// <summary>Sends in bounded frames; <paramref name="target"/> null for a joiner (no acknowledgement asked).</summary>
    private void SendEdraSplit(Micros now, Effects effects, Member? target, byte ttl, ReadOnlyMemory<EdraEvent> events, Address joiner = default)
    {
        int max = _options.MaxRecordsPerMessage;
        int start = 0;
        do
        {
            var frame = events.Slice(start, Math.Min(max, events.Length - start));
            if (target is { } t) SendAcknowledged(now, effects, t, ttl, frame, retry: false);
            else SendEdraPayload(effects, joiner, ttl, frame, 0);
            start += frame.Length;
        } while (start < events.Length);
    }

    private void SendAcknowledged(Micros now, Effects effects, Member target, byte ttl, ReadOnlyMemory<EdraEvent> payload, bool retry)
    {
        _edraSeq = _edraSeq % 16383 + 1;
        _unacked.Add(new Unacked(_edraSeq, target.Address, target.Id, ttl, payload, now, retry));
        SendEdraPayload(effects, target.Address, ttl, payload, _edraSeq);
        ArmAckTimer(now + _options.ProbeTimeout, effects);
    }

    private void ArmAckTimer(Micros at, Effects effects)
    {
        if (_ackTimerArmed) return;
        _ackTimerArmed = true;
        effects.SetTimer(new TimerKey(Timers.EdraAck, 0), at);
    }

    private void SendEdraPayload(Effects effects, Address to, byte ttl, ReadOnlyMemory<EdraEvent> payload, uint seq)
    {
        Stats.EdraEventsSent += payload.Length;
        Send(effects, to, new EdraMessage(ttl, _id, _incarnation, (uint)(_theta.Value / 1000), payload, seq));
    }

    private void OnEdraAck(Address from, EdraAckMessage m)
    {
        for (int i = 0; i < _unacked.Count; i++)
            if (_unacked[i].Seq == m.Seq && _unacked[i].To == from) { _unacked.RemoveAt(i); return; }
    }

    /// <summary>Messages unacknowledged for the probe timeout are given up; each goes once more (<see cref="Retransmit"/>).</summary>
    private void OnEdraAckTimeout(Micros now, Effects effects)
    {
        _ackTimerArmed = false;
        var due = now - _options.ProbeTimeout;
        int expired = 0;
        while (expired < _unacked.Count && _unacked[expired].SentAt <= due) expired++;
        // Send order is time order, so the expired messages are a prefix; retransmissions append behind them.
        if (expired > 0)
        {
            var timedOut = _unacked.GetRange(0, expired);
            _unacked.RemoveRange(0, expired);
            foreach (var u in timedOut) Retransmit(now, u, effects);
        }
        if (_unacked.Count > 0) ArmAckTimer(_unacked[0].SentAt + _options.ProbeTimeout, effects);
    }

    /// <summary>An unacknowledged message goes once more, to the member after its silent target (minus events that would wrap).</summary>
    private void Retransmit(Micros now, Unacked u, Effects effects)
    {
        if (u.Retry || _phase != Phase.Member) return;
        var next = _table.Successor(u.Target, 1);
        if (next.Id == _id || next.Id == u.Target) return;
        uint aged = EdraEvent.Centis(now - u.SentAt);
        var events = new List<EdraEvent>(u.Events.Length);
        foreach (var e in u.Events.Span)
            if (!RingId.InHalfOpen(e.Detector, _id, next.Id)) events.Add(e with { AgeCentis = e.AgeCentis + aged });
        if (events.Count > 0 || u.Ttl == 0) SendAcknowledged(now, effects, next, u.Ttl, events.ToArray(), retry: true);
    }

    private void OnEdra(Micros now, Address from, EdraMessage m, Effects effects)
    {
        if (m.Seq != 0) Send(effects, from, EdraAckMessage.For(m.Seq));
        LearnFromTraffic(now, new Member(m.Sender, from, m.SenderIncarnation), effects);
        if (from == _predAddress) _predTheta = new Micros(Math.Max(1, (long)m.ThetaMillis) * 1000);
        foreach (var e in m.Events.Span)
        {
            var detectedAt = now - EdraEvent.FromCentis(e.AgeCentis);
            if (!Apply(now, e.Event, detected: false, recentSince: detectedAt)) continue;
            if (_phase != Phase.Member) continue;
            Stats.EventsLearned++;
            Learn(now, e, m.Ttl, detectedAt, effects);
            AfterChange(now, e.Event, effects);
        }
    }

    /// <summary>Bookkeeping after a news state entered the table as a member: rate estimate, predecessor.</summary>
    private void AfterChange(Micros now, in MembershipEvent e, Effects effects)
    {
        _eventsThisInterval++;
        RefreshPredecessorIfAffected(now, e, effects);
    }

    /// <summary>
    /// The ring declared this session gone (a false suspicion, or the other side of a healed partition). A member
    /// stays one, with itself still in its table: it makes a new incarnation durable and then announces its own join
    /// at it, which supersedes the leave everywhere (<see cref="OnDisk"/>). Dropping out to join again instead let a
    /// healed partition end with no member at all: each side told the other it had left, every host went to join, and
    /// none was left to admit them.
    /// A joiner told so by its transfer starts its join over with the new incarnation.
    /// </summary>
    private void Refute(Micros now, Effects effects)
    {
        if (_refuting) return;
        LogRefute(_ctx.Logger, _id, _incarnation);
        _refuting = true;
        if (_phase != Phase.Member)
        {
            _phase = Phase.Booting;
            _intervalTag++;
        }
        _durableIncarnation.Begin(effects);
    }

    /// <summary>A refutation waits for its new incarnation to be durable (<see cref="OnDisk"/>); more word of the leave meanwhile changes nothing.</summary>
    private bool _refuting;

    /// <summary>This step brought word that the ring holds this member's session as gone (see <see cref="Apply"/>).</summary>
    private bool _toldGone;
}
