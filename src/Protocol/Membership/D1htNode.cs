using Microsoft.Extensions.Logging;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership.Messages;
using VinzVault.Protocol.Node;
using VinzVault.Protocol.Wire;

namespace VinzVault.Protocol.Membership;

/// <summary>
/// A D1HT peer (D1HT.md): keeps the full membership in an <see cref="IRoutingTable"/>, spreads joins and leaves
/// with EDRA, watches its predecessor, admits joiners after quarantine, answers one-hop lookups and repairs its
/// table by anti-entropy. Split by feature into partial files.
/// </summary>
/// <remarks>
/// Start-up: the node reads and bumps its durable incarnation. If the table it was given already holds it live at
/// that incarnation (a ring formed by the runtime), it is a member at once; if the table is empty and
/// <c>found</c> was given (the first host of a new cluster), it founds a ring; otherwise it joins through
/// <see cref="NodeContext.Peers"/>.
/// </remarks>
public sealed partial class D1htNode : INode
{
    public const ulong IncarnationFile = 2;
    private readonly DurableIncarnation _durableIncarnation = new(IncarnationFile);

    private enum Phase : byte { Booting, Joining, Member }

    private static class Timers
    {
        public const int Interval = 1, Silence = 2, ProbeTimeout = 3, Quarantine = 4, JoinRetry = 5, LookupTimeout = 6, AntiEntropy = 7, EdraAck = 8;
    }

    private readonly NodeContext _ctx;
    private readonly D1htOptions _options;
    private readonly Prng _rng;
    private readonly IRoutingTable _table;
    private readonly ID1htObserver? _observer;
    private readonly ThetaTuner _tuner;
    private readonly Address _self;
    private readonly RingId _id;
    private readonly bool _found;
    private uint _incarnation => _durableIncarnation.Value;
    private Phase _phase;
    private Micros _theta;

    /// <param name="recent">Where the node keeps its recent states; its own queue when null.</param>
    /// <param name="pending">Where the node keeps the events to forward at its interval's end; its own list when null.</param>
    public D1htNode(NodeContext ctx, D1htOptions options, IRoutingTable table, ID1htObserver? observer = null, bool found = false,
        IRecentStates? recent = null, IPendingEvents? pending = null)
    {
        _found = found;
        _ctx = ctx;
        _options = options;
        _rng = new Prng(ctx.Seed);
        _table = table;
        _recent = recent ?? new RecentStateQueue();
        if (_recent.Count > 0) _recentHeadDecis = _recent[0].DetectedDecis;
        _pending = pending ?? new PendingEventList();
        _observer = observer;
        _tuner = new ThetaTuner(options);
        _self = ctx.Self;
        _id = ctx.Id;
        _theta = options.FixedTheta ?? options.MaxTheta;
    }

    public RingId Id => _id;
    public uint Incarnation => _incarnation;
    public bool IsMember => _phase == Phase.Member;
    public Micros Theta => _theta;
    /// <summary>The smoothed event rate this node observes (events/s), negative before its first interval.</summary>
    public double EventRate => _tuner.EventRate;
    public IRoutingTable Table => _table;
    public D1htStats Stats { get; } = new();
    /// <summary>Per-node memory that grows with churn (in-flight records, unacknowledged messages): read by benchmarks.</summary>
    public (int InFlight, int Unacked) Footprint => (_recent.Count, _unacked.Count);

    public void Step(Micros now, in Input input, Effects effects)
    {
        switch (input.Kind)
        {
            case InputKind.Start:
                _durableIncarnation.Begin(effects);
                break;
            case InputKind.DiskDone:
                OnDisk(now, input.Id, input.Disk!, effects);
                break;
            // Timers fire in every phase: each handler checks the phase itself, so state left by a refuted session
            // (a joiner in quarantine, a probe) still times out instead of waiting for ever.
            case InputKind.TimerFired:
                OnTimer(now, input.Timer, effects);
                break;
            case InputKind.Received when _phase != Phase.Booting && input.Message is not null:
                OnMessage(now, input.From, input.Message, effects);
                break;
            case InputKind.ClientRequest when input.Op is LookupOp lookup:
                StartLookup(now, input.Id, lookup.Key, effects);
                break;
            default:
                break;
        }
        if (_toldGone)
        {
            _toldGone = false;
            Refute(now, effects);
        }
    }

    private void OnTimer(Micros now, TimerKey timer, Effects effects)
    {
        switch (timer.Kind)
        {
            case Timers.Interval: OnIntervalEnd(now, timer.Tag, effects); break;
            case Timers.Silence: OnSilenceCheck(now, timer.Tag, effects); break;
            case Timers.ProbeTimeout: OnProbeTimeout(now, timer.Tag, effects); break;
            case Timers.Quarantine: OnQuarantineEnd(now, timer.Tag, effects); break;
            case Timers.JoinRetry: OnJoinRetry(now, timer.Tag, effects); break;
            case Timers.LookupTimeout: OnLookupTimeout(now, timer.Tag, effects); break;
            case Timers.AntiEntropy: OnAntiEntropy(now, timer.Tag, effects); break;
            case Timers.EdraAck: OnEdraAckTimeout(now, effects); break;
            default: break;
        }
    }

    private void OnMessage(Micros now, Address from, Message message, Effects effects)
    {
        HeardFrom(now, from);
        switch (message)
        {
            case EdraMessage m: OnEdra(now, from, m, effects); break;
            case EdraAckMessage m: OnEdraAck(from, m); break;
            case ProbeMessage m: Send(effects, from, new ProbeReplyMessage(m.Seq, _id, _incarnation)); break;
            case ProbeReplyMessage m: OnProbeReply(now, from, m, effects); break;
            case JoinRequestMessage m: OnJoinRequest(now, from, m, effects); break;
            case TableChunkMessage m: OnTableChunk(now, m, effects); break;
            case JoinAdmittedMessage m: OnAdmitted(now, m, effects); break;
            case SuspectMessage m: OnSuspect(now, m, effects); break;
            case LookupRequestMessage m: OnLookupRequest(now, from, m, effects); break;
            case LookupReplyMessage m: OnLookupReply(now, from, m, effects); break;
            case DigestMessage m: OnDigest(now, from, m, effects); break;
            case SegmentMessage m: OnSegment(now, from, m, effects); break;
            default: break;
        }
    }

    private void OnDisk(Micros now, long id, DiskResult result, Effects effects)
    {
        if (!_durableIncarnation.OnDisk(id, result, effects)) return;
        LogBooted(_ctx.Logger, _id, _incarnation);
        _refuting = false;
        if (_phase == Phase.Member) Detect(now, MembershipEvent.Join(Me), effects);
        else Boot(now, effects);
    }

    private void Boot(Micros now, Effects effects)
    {
        bool formed = _table.TryGetState(_id, out var mine) && mine.Joined && mine.Incarnation == _incarnation;
        bool alone = _table.Count == 0 && _found;
        if (formed || alone)
        {
            if (alone) Apply(now, MembershipEvent.Join(Me), detected: true);
            BecomeMember(now, effects);
        }
        else
        {
            _phase = Phase.Joining;
            SendJoinRequest(now, effects);
        }
    }

    private Member Me => new(_id, _self, _incarnation);

    /// <summary>
    /// Working lists that one step fills and is done with. They belong to the thread, not the node: at 100,000
    /// simulated hosts each node kept its lists' largest capacity for good, and a table transfer's copy (2.4 MB)
    /// stayed with every host that ever served a join. A node never runs two steps at once.
    /// </summary>
    private static class Scratch
    {
        [ThreadStatic] private static List<EdraEvent>? s_events;
        [ThreadStatic] private static List<MembershipEvent>? s_states;
        [ThreadStatic] private static List<RecentState>? s_lag;
        [ThreadStatic] private static List<Member>? s_members;
        [ThreadStatic] private static List<int>? s_reach;
        [ThreadStatic] private static List<long>? s_order;
        [ThreadStatic] private static List<ulong>? s_lagIds;
        [ThreadStatic] private static List<ulong>? s_lagWords;
        [ThreadStatic] private static List<(ulong, int)>? s_lagSums;
        [ThreadStatic] private static List<RingId>? s_lagStateIds;
        [ThreadStatic] private static List<MembershipEvent>? s_lagStates;
        [ThreadStatic] private static List<bool>? s_lagKnown;

        public static List<EdraEvent> Events => s_events ??= [];
        public static List<MembershipEvent> States => s_states ??= [];
        public static List<RecentState> Lag => s_lag ??= [];
        public static List<Member> Members => s_members ??= [];
        public static List<int> Reach => s_reach ??= [];
        public static List<long> Order => s_order ??= [];
        public static List<ulong> LagIds => s_lagIds ??= [];
        public static List<ulong> LagWords => s_lagWords ??= [];
        public static List<(ulong Digest, int States)> LagSums => s_lagSums ??= [];
        public static List<RingId> LagStateIds => s_lagStateIds ??= [];
        public static List<MembershipEvent> LagStates => s_lagStates ??= [];
        public static List<bool> LagKnown => s_lagKnown ??= [];
    }

    /// <summary>
    /// Applies a state to the table and tells the observer; true when it was news. <paramref name="recentSince"/> is
    /// when it was detected if EDRA may still be spreading it (anti-entropy digests lag behind those).
    /// </summary>
    private bool Apply(Micros now, in MembershipEvent e, bool detected, Micros? recentSince = null)
    {
        // A member knows it is alive: it keeps itself in its table and refutes (the step ends with it).
        if (_phase == Phase.Member && IsLeaveOfThisSession(e))
        {
            _toldGone = true;
            return false;
        }
        if (!_table.Apply(e, out var before)) return false;
        if (recentSince is { } since) NoteRecent(now, e.Id, since, before is { } b ? Pack(b) : 0);
        _observer?.Applied(now, _self, e, detected);
        return true;
    }

    private void Send(Effects effects, Address to, Message m)
    {
        int size = m.Size();
        switch (m)
        {
            case EdraMessage: Stats.EdraMessages++; Stats.EdraBytes += size; break;
            case EdraAckMessage: Stats.EdraBytes += size; break;
            case ProbeMessage or ProbeReplyMessage or SuspectMessage: Stats.ProbeMessages++; Stats.ProbeBytes += size; break;
            case JoinRequestMessage or TableChunkMessage or JoinAdmittedMessage: Stats.JoinMessages++; Stats.JoinBytes += size; break;
            case DigestMessage or SegmentMessage: Stats.RepairMessages++; Stats.RepairBytes += size; break;
            default: Stats.LookupMessages++; Stats.LookupBytes += size; break;
        }
        effects.Send(to, m);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "d1ht {Id} booted with incarnation {Incarnation}")]
    private static partial void LogBooted(ILogger logger, RingId id, uint incarnation);

    [LoggerMessage(Level = LogLevel.Information, Message = "d1ht detected {Event}")]
    private static partial void LogDetected(ILogger logger, MembershipEvent @event);

    [LoggerMessage(Level = LogLevel.Information, Message = "d1ht {Id} was declared gone at incarnation {Incarnation}; refuting with a new one")]
    private static partial void LogRefute(ILogger logger, RingId id, uint incarnation);

    [LoggerMessage(Level = LogLevel.Information, Message = "d1ht {Id} is a member with {Members} members known")]
    private static partial void LogMember(ILogger logger, RingId id, int members);
}
