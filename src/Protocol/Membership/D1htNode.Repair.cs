using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership.Messages;
using VinzVault.Protocol.Node;

namespace VinzVault.Protocol.Membership;

/// <summary>
/// Table repair (D1HT.md, our addition): learn members from their traffic, and every few Theta compare digests
/// of ring segments with a neighbour, descending only into segments that differ and exchanging the states of
/// small differing segments both ways.
/// </summary>
public sealed partial class D1htNode
{
    private readonly ulong[] _digests = new ulong[DigestMessage.Fanout];
    private readonly int[] _digestCounts = new int[DigestMessage.Fanout];
    private readonly List<MembershipEvent> _segment = [];
    private long _antiEntropyRound;

    /// <summary>A message from a host whose session this table lacks is evidence of its join (applied locally, not spread).</summary>
    private void LearnFromTraffic(Micros now, Member sender, Effects effects)
    {
        if (_phase != Phase.Member || sender.Id == _id) return;
        var e = MembershipEvent.Join(sender);
        if (_table.TryGetState(sender.Id, out var known) && known.Version >= e.Version) return;
        if (!Apply(now, e, detected: false)) return;
        Stats.LearnedFromTraffic++;
        AfterChange(now, e, effects);
    }

    private void OnAntiEntropy(Micros now, Effects effects)
    {
        if (_phase != Phase.Member) return;
        effects.SetTimer(new TimerKey(Timers.AntiEntropy), now + _theta * _options.AntiEntropyThetas);
        if (_table.Count < 2) return;
        // Alternate neighbours so a bad link to one does not block repair.
        var peer = ++_antiEntropyRound % 2 == 0 ? _table.Successor(_id, 1) : _table.Predecessor(_id, 1);
        SendDigests(effects, peer.Address, new RingId(0), new RingId(ulong.MaxValue));
    }

    private void SendDigests(Effects effects, Address to, RingId from, RingId last)
    {
        ChildDigests(from, last);
        Send(effects, to, new DigestMessage(from, last, (ulong[])_digests.Clone()));
    }

    private void OnDigest(Micros now, Address from, DigestMessage m, Effects effects)
    {
        if (_phase != Phase.Member || m.Digests.Length != DigestMessage.Fanout || m.From.Value > m.To.Value) return;
        ChildDigests(m.From, m.To);
        var mine = (ulong[])_digests.Clone();
        var counts = (int[])_digestCounts.Clone();
        for (int i = 0; i < DigestMessage.Fanout; i++)
        {
            if (mine[i] == m.Digests[i] || !Child(m.From, m.To, i, out var lo, out var hi)) continue;
            if (counts[i] <= _options.AntiEntropyLeafStates || lo == hi) SendSegment(effects, from, lo, hi, wantReply: true);
            else SendDigests(effects, from, lo, hi);
        }
    }

    private void OnSegment(Micros now, Address from, SegmentMessage m, Effects effects)
    {
        if (_phase != Phase.Member || m.From.Value > m.To.Value) return;
        ulong theirs = 0;
        foreach (var s in m.States)
        {
            if (s.Id.Value < m.From.Value || s.Id.Value > m.To.Value) return;
            theirs += s.DigestHash;
        }
        foreach (var s in m.States)
        {
            if (!Apply(now, s, detected: false)) continue;
            Stats.RepairStatesApplied++;
            AfterChange(now, s, effects);
            if (_phase != Phase.Member) return;
        }
        if (m.WantReply && _table.Digest(m.From, m.To).Digest != theirs) SendSegment(effects, from, m.From, m.To, wantReply: false);
    }

    /// <summary>Sends our states in [lo, hi], split into frames that each cover the id range of exactly their states.</summary>
    private void SendSegment(Effects effects, Address to, RingId lo, RingId hi, bool wantReply)
    {
        _segment.Clear();
        _table.CopyStates(lo, hi, _segment);
        int max = _options.MaxRecordsPerMessage;
        for (int start = 0; start == 0 || start < _segment.Count; start += max)
        {
            int count = Math.Min(max, _segment.Count - start);
            var from = start == 0 ? lo : _segment[start].Id;
            var last = start + count >= _segment.Count ? hi : new RingId(_segment[start + count].Id.Value - 1);
            Send(effects, to, new SegmentMessage(from, last, wantReply, _segment.GetRange(start, count).ToArray()));
        }
    }

    private void ChildDigests(RingId from, RingId last)
    {
        for (int i = 0; i < DigestMessage.Fanout; i++)
        {
            (_digests[i], _digestCounts[i]) = Child(from, last, i, out var lo, out var hi) ? _table.Digest(lo, hi) : (0UL, 0);
        }
    }

    /// <summary>The i-th of <see cref="DigestMessage.Fanout"/> equal sub-ranges of [from, last]; false when it is empty.</summary>
    internal static bool Child(RingId from, RingId last, int i, out RingId lo, out RingId hi)
    {
        ulong span = last.Value - from.Value;
        ulong width = span / DigestMessage.Fanout + 1;
        ulong start = (ulong)i * width;
        lo = hi = default;
        if (start > span) return false;
        ulong end = start + (width - 1);
        lo = new RingId(from.Value + start);
        hi = new RingId(end > span ? last.Value : from.Value + end);
        return true;
    }
}
