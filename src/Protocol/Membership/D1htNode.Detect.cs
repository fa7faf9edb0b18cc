using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership.Messages;
using VinzVault.Protocol.Node;

namespace VinzVault.Protocol.Membership;

/// <summary>
/// Rule 4: watch the predecessor; after about 2 x Theta of silence probe it; no answer within the probe timeout is a
/// detected leave. Mean leave detection delay: the last heartbeat precedes a crash by U(0, Theta), so silence
/// reaches 2 x Theta on average 1.5 x Theta after the crash, then the probe timeout runs:
/// T_detect = 1.5 x Theta + ProbeTimeout. A join is detected when the successor's admission probe returns:
/// T_q plus one round trip after the join request.
/// </summary>
public sealed partial class D1htNode
{
    private enum ProbeKind : byte { Predecessor, Admission }

    private readonly record struct Probe(ProbeKind Kind, Member Target);

    private readonly SortedDictionary<long, Probe> _probes = [];
    private long _probeSeq;
    private Member _pred;
    private Address _predAddress = Address.None;
    private Micros _predLastHeard;
    private Micros _predTheta;
    private long _silenceTag;
    private bool _predProbeOutstanding;

    private void HeardFrom(Micros now, Address from)
    {
        if (from == _predAddress) _predLastHeard = now;
    }

    private void RefreshPredecessorIfAffected(Micros now, in MembershipEvent e, Effects effects)
    {
        if (e.Id == _pred.Id || _predAddress.IsNone || RingId.InHalfOpen(e.Id, _pred.Id, _id)) RefreshPredecessor(now, effects);
    }

    private void RefreshPredecessor(Micros now, Effects effects)
    {
        if (_phase != Phase.Member || _table.Count < 2)
        {
            _predAddress = Address.None;
            return;
        }
        var pred = _table.Predecessor(_id, 1);
        if (pred == _pred && !_predAddress.IsNone) return;
        // A new predecessor gets a full silence period of grace: it may just have been admitted.
        _pred = pred;
        _predAddress = pred.Address;
        _predLastHeard = now;
        _predTheta = _theta;
        _predProbeOutstanding = false;
        ArmSilence(effects);
    }

    private Micros SilenceDeadline => _predLastHeard + new Micros((long)(_options.SilenceThetas * _predTheta.Value));

    private void ArmSilence(Effects effects) => effects.SetTimer(new TimerKey(Timers.Silence, ++_silenceTag), SilenceDeadline);

    private void OnSilenceCheck(Micros now, long tag, Effects effects)
    {
        if (tag != _silenceTag || _phase != Phase.Member || _predAddress.IsNone) return;
        if (now < SilenceDeadline) ArmSilence(effects);
        else ProbePredecessor(now, effects);
    }

    private void ProbePredecessor(Micros now, Effects effects)
    {
        if (_predProbeOutstanding || _predAddress.IsNone) return;
        _predProbeOutstanding = true;
        SendProbe(now, ProbeKind.Predecessor, _pred, effects);
    }

    private void SendProbe(Micros now, ProbeKind kind, Member target, Effects effects)
    {
        long seq = ++_probeSeq;
        _probes[seq] = new Probe(kind, target);
        Send(effects, target.Address, new ProbeMessage(seq));
        effects.SetTimer(new TimerKey(Timers.ProbeTimeout, seq), now + _options.ProbeTimeout);
    }

    private void OnProbeReply(Micros now, Address from, ProbeReplyMessage m, Effects effects)
    {
        if (!_probes.Remove(m.Seq, out var probe) || probe.Target.Address != from) return;
        if (probe.Kind == ProbeKind.Admission)
        {
            Admit(now, probe.Target, m.Incarnation, effects);
            return;
        }
        if (probe.Target != _pred) return;
        _predProbeOutstanding = false;
        // A different session answering means the probed one is gone; its successor (us) says so.
        if (m.Id != _pred.Id || m.Incarnation != _pred.Incarnation) Detect(now, MembershipEvent.Leave(_pred), effects);
        else ArmSilence(effects);
    }

    private void OnProbeTimeout(Micros now, long seq, Effects effects)
    {
        if (!_probes.Remove(seq, out var probe)) return;
        if (probe.Kind == ProbeKind.Admission)
        {
            // Rule of quarantine: a joiner that left before admission leaves no event behind.
            _joiners.Remove(probe.Target.Id);
            return;
        }
        if (probe.Target != _pred || _phase != Phase.Member) return;
        _predProbeOutstanding = false;
        Detect(now, MembershipEvent.Leave(_pred), effects);
    }

    /// <summary>Somebody timed out on <paramref name="m"/>'s host; if it is our predecessor, probe it now rather than wait for silence.</summary>
    private void OnSuspect(Micros now, SuspectMessage m, Effects effects)
    {
        if (_phase == Phase.Member && m.Id == _pred.Id && m.Incarnation == _pred.Incarnation) ProbePredecessor(now, effects);
    }
}
