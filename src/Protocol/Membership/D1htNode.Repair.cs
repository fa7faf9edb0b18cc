using System.Runtime.InteropServices;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership.Messages;
using VinzVault.Protocol.Node;

namespace VinzVault.Protocol.Membership;

/// <summary>
/// Table repair (D1HT.md, our addition): learn members from their traffic, and every few Theta compare digests
/// of ring segments with a neighbour, descending only into segments that differ and exchanging the states of
/// small differing segments both ways.
/// Digests are lagged: a state detected less than <see cref="InFlightWindow"/> ago counts as the state it replaced
/// (the age comes with the event, <see cref="EdraEvent.AgeCentis"/>, so every host dates it alike). Under churn EDRA
/// is always carrying a few events, so two tables compared as they stand nearly always differ, and chasing those
/// differences cost about 1.9x EDRA itself at 10,000 hosts; compared as they stood one delivery time ago, they differ only
/// where EDRA lost or delayed something. A round opens with one digest of the whole ring.
/// </summary>
public sealed partial class D1htNode
{
    private long _antiEntropyRound;
    private int _bootstrapCursor = -1;

    /// <summary>
    /// Recently learned states in learning order; they fall off after the window. A host holds rate x window of these:
    /// about 900 at 100,000 hosts under Gnutella-like churn.
    /// </summary>
    private readonly IRecentStates _recent;

    /// <summary>
    /// How long EDRA may take to bring one event to every host. A hop waits for the forwarder's interval end, Theta/2 on
    /// average and Theta at most, so rho (Theta + 2 d) / 2 covers the mean path with room, plus two Thetas for the
    /// detector's interval and one retransmission. At 10,000 hosts under churn (window 93.5 s) 0.02% of deliveries
    /// arrived more than 78 s after detection; a late one costs a repair, not a wrong table.
    /// </summary>
    private Micros InFlightWindow => _inFlightWindow ??= ComputeInFlightWindow();

    /// <summary>Cached per interval: Theta and n change there.</summary>
    private Micros? _inFlightWindow;

    private Micros ComputeInFlightWindow()
    {
        int rho = RoutingTableExtensions.Rho(Math.Max(2, _table.Count));
        return new Micros((_theta + _options.MeanDelay * 2).Value * rho / 2) + _theta * 2;
    }

    private static int Decis(Micros t) => (int)Math.Clamp(t.Value / 100_000, int.MinValue, int.MaxValue);

    /// <summary>A state's incarnation and liveness in 32 bits, plus one (0 means none; an incarnation past 2^30 packs as none and costs a repair).</summary>
    private static uint Pack(in MembershipEvent s) => s.Incarnation < 1u << 30 ? (s.Incarnation << 1 | (s.Joined ? 0u : 1u)) + 1 : 0;

    private static MembershipEvent Unpack(RingId id, Address address, uint packed) =>
        new(id, address, (packed - 1) >> 1, ((packed - 1) & 1) == 0);

    /// <summary>Notes a state EDRA may still be spreading, with what it replaced here.</summary>
    private void NoteRecent(Micros now, RingId id, Micros detectedAt, uint replaced)
    {
        int oldest = Decis(now - InFlightWindow);
        if (Decis(detectedAt) < oldest) return;
        while (_recent.Count > 0 && _recentHeadDecis < oldest)
        {
            _recent.Dequeue();
            if (_recent.Count > 0) _recentHeadDecis = _recent[0].DetectedDecis;
        }
        if (_recent.Count == 0) _recentHeadDecis = Decis(detectedAt);
        _recent.Enqueue(new RecentState(id, Decis(detectedAt), replaced));
    }

    /// <summary>
    /// When the oldest recent state was detected, kept here: reading it from a simulator's shared log on every apply
    /// (two dependent loads from another host's memory) was 4% of a 100,000-host run.
    /// </summary>
    private int _recentHeadDecis;

    /// <summary>
    /// Fills <see cref="Scratch.Lag"/>, the lag corrections of one digest computation: for each id with a state
    /// detected within the window, what its oldest such state replaced, and when its newest was detected.
    /// </summary>
    private void PrepareLag(Micros now)
    {
        var lag = Scratch.Lag;
        lag.Clear();
        int oldest = Decis(now - InFlightWindow);
        // Sorted by id, each carrying (detection, replaced) as one 64-bit word whose order is theirs: per id the
        // smallest word is the oldest state's (what it replaced), the largest the newest detection. Primitive keys and
        // no comparison delegate (a 128-bit key sort was 5% of a 100,000-host run), in expected linear time (ids are hashes).
        var ids = Scratch.LagIds;
        var words = Scratch.LagWords;
        ids.Clear();
        words.Clear();
        for (int i = 0; i < _recent.Count; i++)
        {
            var r = _recent[i];
            if (r.DetectedDecis < oldest) continue;
            ids.Add(r.Id.Value);
            words.Add((ulong)((uint)r.DetectedDecis ^ 0x8000_0000u) << 32 | r.Replaced);
        }
        var idSpan = CollectionsMarshal.AsSpan(ids);
        var wordSpan = CollectionsMarshal.AsSpan(words);
        SpreadSort.Sort(idSpan, wordSpan);
        for (int i = 0; i < idSpan.Length;)
        {
            ulong id = idSpan[i], min = wordSpan[i], max = wordSpan[i];
            for (i++; i < idSpan.Length && idSpan[i] == id; i++)
            {
                min = Math.Min(min, wordSpan[i]);
                max = Math.Max(max, wordSpan[i]);
            }
            lag.Add(new RecentState(new RingId(id), (int)((uint)(max >> 32) ^ 0x8000_0000u), (uint)min));
        }
        Scratch.LagSums.Clear();
    }

    /// <summary>
    /// Running sums over the lag corrections of what each does to a digest and a state count (entry i covers
    /// corrections below i), computed on first use after <see cref="PrepareLag"/>: every digest of the round then
    /// costs two binary searches instead of a table lookup per correction in its range (an opener's range holds all
    /// of them, about 900 at 100,000 hosts). The table does not change between PrepareLag and the digests.
    /// </summary>
    private List<(ulong Digest, int States)> LagSums()
    {
        var sums = Scratch.LagSums;
        var lag = Scratch.Lag;
        if (sums.Count == lag.Count + 1) return sums;
        sums.Clear();
        var ids = Scratch.LagStateIds;
        ids.Clear();
        foreach (var r in lag) ids.Add(r.Id);
        var current = Scratch.LagStates;
        var known = Scratch.LagKnown;
        CollectionsMarshal.SetCount(current, ids.Count);
        CollectionsMarshal.SetCount(known, ids.Count);
        _table.TryGetStates(CollectionsMarshal.AsSpan(ids),
            CollectionsMarshal.AsSpan(current), CollectionsMarshal.AsSpan(known));
        ulong digest = 0;
        int states = 0;
        sums.Add((0, 0));
        for (int i = 0; i < lag.Count; i++)
        {
            var r = lag[i];
            if (known[i]) { digest -= current[i].DigestHash; states--; }
            if (r.Replaced != 0) { digest += Unpack(r.Id, current[i].Address, r.Replaced).DigestHash; states++; }
            sums.Add((digest, states));
        }
        return sums;
    }

    /// <summary>The first lag correction whose id is at least <paramref name="id"/> (the corrections are sorted by id).</summary>
    private static int LagLowerBound(List<RecentState> lag, ulong id)
    {
        int lo = 0, hi = lag.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (lag[mid].Id.Value < id) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static Micros DetectedAt(in RecentState r) => new(r.DetectedDecis * 100_000L);

    /// <summary>This table's in-flight states, for a joiner's copy.</summary>
    private InFlightState[] InFlightStates(Micros now)
    {
        var lag = Scratch.Lag;
        PrepareLag(now);
        var a = new InFlightState[lag.Count];
        for (int i = 0; i < a.Length; i++) a[i] = new InFlightState(lag[i].Id, lag[i].Replaced, EdraEvent.Centis(now - DetectedAt(lag[i])));
        return a;
    }

    /// <summary>Digest and state count of [lo, hi] as this table stood one in-flight window ago (needs <see cref="PrepareLag"/>).</summary>
    private (ulong Digest, int States) LaggedDigest(RingId lo, RingId hi)
    {
        var lag = Scratch.Lag;
        var (digest, states) = _table.Digest(lo, hi);
        if (lag.Count == 0) return (digest, states);
        var sums = LagSums();
        int from = LagLowerBound(lag, lo.Value);
        int to = hi.Value == ulong.MaxValue ? lag.Count : LagLowerBound(lag, hi.Value + 1);
        return (digest + sums[to].Digest - sums[from].Digest, states + sums[to].States - sums[from].States);
    }

    /// <summary>A message from a host whose session this table lacks is evidence of its join (applied locally, not spread).</summary>
    private void LearnFromTraffic(Micros now, Member sender, Effects effects)
    {
        if (_phase != Phase.Member || sender.Id == _id) return;
        var e = MembershipEvent.Join(sender);
        if (_table.TryGetState(sender.Id, out var known) && known.Version >= e.Version) return;
        if (!Apply(now, e, detected: false, recentSince: now)) return;
        Stats.LearnedFromTraffic++;
        AfterChange(now, e, effects);
    }

    private void OnAntiEntropy(Micros now, long tag, Effects effects)
    {
        // One chain of rounds per membership session (tagged like the intervals).
        if (_phase != Phase.Member || tag != _sessionTag) return;
        // A member alone in its table is the small side of a partition or the survivor of a mass failure: it looks
        // for the others every Theta instead of every period (one digest per Theta, the cost of a heartbeat).
        bool alone = _table.Count < 2;
        effects.SetTimer(new TimerKey(Timers.AntiEntropy, tag), now + (alone ? _theta : _theta * _options.AntiEntropyThetas));
        // Alternate neighbours so a bad link to one does not block repair; now and then (always, when alone) the next
        // host of the bootstrap list, because neighbours alone never hear from the other side of a healed partition.
        long round = ++_antiEntropyRound;
        var peers = _ctx.Peers;
        bool bootstrap = alone || _options.AntiEntropyRandomEvery > 0 && IsBootstrapRound(round);
        if (peers.Count < 2 && alone) return;
        Address peer = bootstrap && peers.Count > 1
            ? NextBootstrapPeer()
            : (round % 2 == 0 ? _table.Successor(_id, 1) : _table.Predecessor(_id, 1)).Address;
        if (peer != _self) SendOpener(now, effects, peer);
    }

    /// <summary>Ring size per step of the bootstrap period: below twice this, every <see cref="D1htOptions.AntiEntropyRandomEvery"/>-th round is one.</summary>
    private const int BootstrapRingSize = 1024;

    /// <summary>
    /// Whether this round goes to a far host. A healed partition needs some host of the ring to make one, so the rate
    /// that matters is the ring's, not each host's. Up to 2,047 members it is every AntiEntropyRandomEvery-th round;
    /// above, each round is one with probability 1 / (AntiEntropyRandomEvery x n / <see cref="BootstrapRingSize"/>), so
    /// a large ring makes about 1024 / (AntiEntropyRandomEvery x the anti-entropy period) a second (3.2 at the
    /// defaults) at any size, spread out. At every fourth round, 100,000 hosts made 300 a second, in bursts (a formed
    /// ring's rounds start within one period, so the fourth rounds of all hosts came together), and those were about
    /// 80% of repair traffic (100,000 hosts to 400 virtual s: 205 bit/s per host with them, 48 without). A longer fixed
    /// period would still burst; and at 2,000 hosts a period of 28 rounds slowed convergence after d1ht-mass-failure from
    /// 130-140 s to 140-220 s (seeds 1-4), so small rings keep theirs.
    /// </summary>
    private bool IsBootstrapRound(long round)
    {
        int scale = _table.Count / BootstrapRingSize;
        return scale <= 1 ? round % _options.AntiEntropyRandomEvery == 0 : _rng.Next(_options.AntiEntropyRandomEvery * scale) == 0;
    }

    /// <summary>
    /// The bootstrap list in turn from a random start, so every peer is tried within one pass. With independent
    /// random picks an 8-host ring stayed split for 127 s after a partition left one host alone: none of its 13 picks
    /// from 48 s to 160 s reached a live host (with refutation in place, that schedule now converges 5 s after the
    /// faults stop, 14 s with random picks every period).
    /// </summary>
    private Address NextBootstrapPeer()
    {
        var peers = _ctx.Peers;
        _bootstrapCursor = (_bootstrapCursor < 0 ? _rng.Next(peers.Count) : _bootstrapCursor + 1) % peers.Count;
        var peer = peers[_bootstrapCursor];
        return peer != _self ? peer : peers[_bootstrapCursor = (_bootstrapCursor + 1) % peers.Count];
    }

    private void SendOpener(Micros now, Effects effects, Address peer)
    {
        PrepareLag(now);
        Send(effects, peer, new DigestMessage(new RingId(0), new RingId(ulong.MaxValue), [LaggedDigest(new RingId(0), new RingId(ulong.MaxValue)).Digest]));
    }

    /// <summary>
    /// A host that was just repaired passes what it learned to its neighbours at once (not to the one that repaired
    /// it). A lost EDRA message leaves a run of consecutive hosts without its events (the subtree of one target), and
    /// their neighbour rounds agree with each other; this carries the repair along the run as a wave that stops at the
    /// first host with nothing to learn, one small message per host. It opened a digest round with each neighbour
    /// before, and every host of the run then paid a whole descent (three levels of 16 digests and two segments) for a
    /// few states.
    /// </summary>
    private void PassRepairOn(Address from, List<MembershipEvent> learned, Effects effects)
    {
        var succ = _table.Successor(_id, 1);
        var pred = _table.Predecessor(_id, 1);
        var states = learned.ToArray();
        var ages = new uint[states.Length];
        var push = new SegmentMessage(states[0].Id, states[^1].Id, false, states, ages);
        if (succ.Id != _id && succ.Address != from) Send(effects, succ.Address, push);
        if (pred.Id != _id && pred.Id != succ.Id && pred.Address != from) Send(effects, pred.Address, push);
    }

    private void SendDigests(Effects effects, Address to, RingId from, RingId last)
    {
        Send(effects, to, new DigestMessage(from, last, ChildDigests(from, last).Digests));
    }

    /// <summary>A round's opener carries one digest of the range; children are sent only when it differs.</summary>
    private void OnDigest(Micros now, Address from, DigestMessage m, Effects effects)
    {
        if (_phase != Phase.Member || m.From.Value > m.To.Value) return;
        PrepareLag(now);
        if (m.Digests.Length == 1)
        {
            if (LaggedDigest(m.From, m.To).Digest != m.Digests[0]) SendDigests(effects, from, m.From, m.To);
            return;
        }
        if (m.Digests.Length != DigestMessage.Fanout) return;
        var (mine, counts) = ChildDigests(m.From, m.To);
        for (int i = 0; i < DigestMessage.Fanout; i++)
        {
            if (mine[i] == m.Digests[i] || !Child(m.From, m.To, i, out var lo, out var hi)) continue;
            if (counts[i] <= _options.AntiEntropyLeafStates || lo == hi) SendSegment(now, effects, from, lo, hi, wantReply: true);
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
        if (m.Ages.Length != m.States.Length) return;
        List<MembershipEvent>? learned = null;
        for (int i = 0; i < m.States.Length; i++)
        {
            var s = m.States[i];
            Micros? since = m.Ages[i] > 0 ? now - EdraEvent.FromCentis(m.Ages[i] - 1) : null;
            if (!Apply(now, s, detected: false, recentSince: since)) continue;
            Stats.RepairStatesApplied++;
            if (since is null) (learned ??= []).Add(s);
            AfterChange(now, s, effects);
        }
        if (learned is not null) PassRepairOn(from, learned, effects);
        if (m.WantReply && _table.Digest(m.From, m.To).Digest != theirs)
        {
            PrepareLag(now);
            SendSegment(now, effects, from, m.From, m.To, wantReply: false);
        }
    }

    /// <summary>
    /// Sends our states in [lo, hi], split into frames that each cover the id range of exactly their states, with the
    /// ages of those in flight (needs <see cref="PrepareLag"/>).
    /// </summary>
    private void SendSegment(Micros now, Effects effects, Address to, RingId lo, RingId hi, bool wantReply)
    {
        var lag = Scratch.Lag;
        var segment = Scratch.States;
        segment.Clear();
        _table.CopyStates(lo, hi, segment);
        var ages = new uint[segment.Count];
        for (int i = 0, j = segment.Count > 0 ? LagLowerBound(lag, segment[0].Id.Value) : 0; i < segment.Count; i++)
        {
            while (j < lag.Count && lag[j].Id.Value < segment[i].Id.Value) j++;
            if (j < lag.Count && lag[j].Id == segment[i].Id) ages[i] = EdraEvent.Centis(now - DetectedAt(lag[j])) + 1;
        }
        int max = _options.MaxRecordsPerMessage;
        for (int start = 0; start == 0 || start < segment.Count; start += max)
        {
            int count = Math.Min(max, segment.Count - start);
            var from = start == 0 ? lo : segment[start].Id;
            var last = start + count >= segment.Count ? hi : new RingId(segment[start + count].Id.Value - 1);
            Send(effects, to, new SegmentMessage(from, last, wantReply, CollectionsMarshal.AsSpan(segment).Slice(start, count).ToArray(), ages[start..(start + count)]));
        }
    }

    /// <summary>The lagged digests and state counts of the <see cref="DigestMessage.Fanout"/> children of [from, last].</summary>
    private (ulong[] Digests, int[] Counts) ChildDigests(RingId from, RingId last)
    {
        var digests = new ulong[DigestMessage.Fanout];
        var counts = new int[DigestMessage.Fanout];
        for (int i = 0; i < DigestMessage.Fanout; i++)
            (digests[i], counts[i]) = Child(from, last, i, out var lo, out var hi) ? LaggedDigest(lo, hi) : (0UL, 0);
        return (digests, counts);
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
