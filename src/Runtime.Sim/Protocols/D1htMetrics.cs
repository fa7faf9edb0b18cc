using System.Text.Json.Nodes;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Membership.Messages;
using VinzVault.Protocol.Node;
using VinzVault.Protocol.Wire;
using VinzVault.Runtime.Sim.Checkers;
using VinzVault.Runtime.Sim.Engine;

namespace VinzVault.Runtime.Sim.Protocols;

/// <summary>
/// Measures D1HT from outside the nodes (wire traffic, lookup replies, table changes) and checks its invariants:
/// <c>lookupNeverReturnsKnownDeparted</c>, <c>applyChangesStateOnce</c> (on a sample of hosts),
/// <c>tablesConvergeAfterFaults</c>. It reads tables but never changes them.
/// </summary>
public sealed class D1htMetrics : ISimObserver, ID1htObserver
{
    /// <summary>Framing the real transport adds to every message (length prefix); the simulator counts it too.</summary>
    private const int FrameBytes = 4;
    /// <summary>Hosts whose every apply is checked for double application (memory stays small).</summary>
    private const int CheckedHosts = 64;
    /// <summary>Hosts whose tables are compared with the truth at each sample.</summary>
    private const int SampledTables = 16;

    private readonly Simulator _sim;
    private readonly RingId[] _ids;
    private readonly D1htOptions _options;
    private readonly Dictionary<ulong, int> _hostOf = [];
    private readonly Dictionary<(ulong Id, ulong Version), long> _eventStart = [];
    private readonly Dictionary<(int Host, ulong Id), ulong> _lastApplied = [];
    private readonly long[] _downAt;
    private readonly Invariant _lookupSafe, _applyOnce, _converge;
    private readonly Prng _sampleRng;
    private readonly List<MembershipEvent> _scratch = [];
    private readonly long _bound;
    private long _lastChange;
    private long _convergedSince = -1;
    private readonly ITableFactory _tables;

    private long _edraBytes, _edraMessages, _edraEvents, _edraEventBytes, _probeBytes, _repairBytes, _joinBytes;
    private long _joinsDetected, _leavesDetected;
    private double _ackSum, _ackMax;
    private long _ackCount;
    private long _lookups, _oneHop, _hopSum, _failed;
    private double _thetaSum, _memberSum, _staleSum;
    private long _thetaSamples, _memberSamples, _staleSamples;
    private readonly long _warmup;
    private bool? _convergedAtBound;

    /// <param name="warmup">Measures count from then on (<see cref="Scenarios.D1htSpec.Warmup"/>); invariants are checked throughout.</param>
    public D1htMetrics(Simulator sim, RingId[] ids, D1htOptions options, ITableFactory tables, Micros warmup = default)
    {
        _warmup = warmup.Value;
        _sim = sim;
        _ids = ids;
        _options = options;
        for (int h = 0; h < ids.Length; h++) _hostOf[ids[h].Value] = h;
        _downAt = new long[ids.Length];
        _lookupSafe = sim.AddInvariant("lookupNeverReturnsKnownDeparted");
        _applyOnce = sim.AddInvariant("applyChangesStateOnce");
        _converge = sim.AddInvariant("tablesConvergeAfterFaults");
        _sampleRng = new Prng(Prng.Derive(sim.Scenario.Seed, 4242));
        WorkloadRng = new Prng(Prng.Derive(sim.Scenario.Seed, 4243));
        _bound = ConvergenceBound(options, sim.Hosts).Value;
        // A healed partition is a membership change too: count from the heal.
        foreach (var f in sim.Scenario.Faults)
            if (f.Kind == Scenarios.FaultKind.Partition) _lastChange = Math.Max(_lastChange, (f.At + (f.Duration ?? Micros.Zero)).Value);
        _tables = tables;
    }

    /// <summary>Stream of the lookup workload (separate from fault and network streams).</summary>
    public Prng WorkloadRng { get; }

    /// <summary>
    /// T_q (a restarted host rejoins) + T_detect (1.5 Theta + probe timeout, D1HT.md's rule-4 derivation) +
    /// rho (Theta + max delay) for EDRA + two anti-entropy periods for what EDRA lost + 10 s of margin.
    /// </summary>
    public static Micros ConvergenceBound(D1htOptions o, int n)
    {
        double theta = (o.FixedTheta ?? o.MaxTheta).Seconds;
        int rho = RoutingTableExtensions.Rho(n);
        return Micros.FromSeconds(o.Quarantine.Seconds + o.JoinTimeout.Seconds + 1.5 * theta + o.ProbeWindow.Seconds
            + rho * (theta + 0.1) + 2 * o.AntiEntropyThetas * theta + 10);
    }

    public void Applied(Micros now, Address host, in MembershipEvent e, bool detected)
    {
        int h = (int)host.Value;
        var key = (e.Id.Value, e.Version);
        if (detected && now.Value >= _warmup)
        {
            if (e.Joined) _joinsDetected++; else _leavesDetected++;
            long start = !e.Joined && _hostOf.TryGetValue(e.Id.Value, out int subject) && _downAt[subject] > 0 ? Math.Min(_downAt[subject], now.Value) : now.Value;
            _eventStart.TryAdd(key, start);
        }
        if (_sim.NodeOf<D1htNode>(h) is { IsMember: true } && _eventStart.TryGetValue(key, out long t0))
        {
            double ack = (now.Value - t0) / 1e6;
            _ackSum += ack;
            _ackCount++;
            _ackMax = Math.Max(_ackMax, ack);
        }
        if (h < CheckedHosts)
        {
            bool fresh = !_lastApplied.TryGetValue((h, e.Id.Value), out ulong before) || before < e.Version;
            _applyOnce.Check(fresh, (h, e, now, before), static s => $"host {s.h} applied {s.e} at {s.now} over version {s.before}");
            _lastApplied[(h, e.Id.Value)] = e.Version;
        }
    }

    public void OnHostUp(long now, int host)
    {
        Changed(now);
        if (host < CheckedHosts)
            foreach (var k in _lastApplied.Keys.Where(k => k.Host == host).ToList()) _lastApplied.Remove(k);
    }

    public void OnHostDown(long now, int host, bool permanent)
    {
        _downAt[host] = now;
        _tables.Release(host);
        Changed(now);
    }

    public void OnSend(long now, int from, int to, Message message)
    {
        if (now < _warmup) return;
        int size = message.Size() + FrameBytes;
        switch (message)
        {
            case EdraMessage m:
                _edraMessages++;
                _edraBytes += size;
                _edraEvents += m.Events.Length;
                _edraEventBytes += size - FrameBytes - EdraMessage.HeaderSize(m.SenderIncarnation, m.ThetaMillis, m.Events.Length) - WireWriter.VarUSize(m.Seq);
                break;
            // Acknowledgements are part of the per-message header h of the model (D1HT.md), not extra messages.
            case EdraAckMessage: _edraBytes += size; break;
            case ProbeMessage or ProbeReplyMessage or SuspectMessage: _probeBytes += size; break;
            case DigestMessage or SegmentMessage: _repairBytes += size; break;
            case JoinRequestMessage or TableChunkMessage or JoinAdmittedMessage: _joinBytes += size; break;
            default: break;
        }
    }

    public void OnReply(long now, int host, long id, ClientResult result)
    {
        if (result is not LookupResult r) return;
        if (_sim.NodeOf<D1htNode>(host) is { } asker)
        {
            bool departed = r.Ok && asker.Table.TryGetState(r.Owner.Id, out var s) && !s.Joined && s.Incarnation >= r.Owner.Incarnation;
            _lookupSafe.Check(!departed, (host, r.Owner.Id, now), static s => $"host {s.host} got owner {s.Id} at {new Micros(s.now)}, which its table lists as departed");
        }
        if (now < _warmup) return;
        _lookups++;
        if (!r.Ok) { _failed++; return; }
        if (r.Hops <= 1) _oneHop++;
        _hopSum += r.Hops;
    }

    public void OnSample(long now, Metrics metrics)
    {
        double t = now / 1e6;
        var members = Members(out var truth);
        bool measured = now >= _warmup;
        if (measured) { _memberSum += members.Count; _memberSamples++; }
        if (members.Count == 0) return;
        double theta = 0, stale = 0;
        int k = Math.Min(SampledTables, members.Count);
        for (int i = 0; i < k; i++)
        {
            var node = _sim.NodeOf<D1htNode>(members[_sampleRng.Next(members.Count)])!;
            theta += node.Theta.Seconds;
            stale += Wrong(node.Table, truth) / (double)truth.Length;
        }
        if (measured)
        {
            _thetaSum += theta; _thetaSamples += k;
            _staleSum += stale; _staleSamples += k;
        }
        metrics.Add("theta", "s", t, theta / k, "D1HT Theta (sampled mean)");
        metrics.Add("stale entry fraction", "", t, stale / k, "Stale routing-table entries (sampled)");
        metrics.Add("members", "hosts", t, members.Count, "Live hosts");
        if (now < _lastChange) _convergedSince = -1;
        else if (_convergedSince < 0 && members.Count == CountUp() && Sample(members, k).All(h => Wrong(_sim.NodeOf<D1htNode>(h)!.Table, truth) == 0))
            _convergedSince = now;
    }

    /// <summary>
    /// Convergence is judged when the run ends at least the bound after the last host went up or down (faults and
    /// churn over): then every table (or a large sample on big rings) must equal the true membership.
    /// </summary>
    public void OnEnd(long now)
    {
        if (now - _lastChange < _bound) return;
        var members = Members(out var truth);
        CheckConvergence(now, members, truth);
    }

    private void Changed(long now)
    {
        // Max: a scheduled partition heal may lie ahead of the host changes seen so far.
        _lastChange = Math.Max(_lastChange, now);
        _convergedSince = -1;
    }

    private int CountUp()
    {
        int up = 0;
        for (int h = 0; h < _ids.Length; h++) if (_sim.IsUp(h)) up++;
        return up;
    }

    private IEnumerable<int> Sample(List<int> members, int k) =>
        members.Count <= 256 ? members : Enumerable.Range(0, k).Select(_ => members[_sampleRng.Next(members.Count)]);

    private void CheckConvergence(long now, List<int> members, RingId[] truth)
    {
        // Every table for rings the per-host tables can hold; a large random sample beyond (each is O(n)).
        var check = members.Count <= 4096 ? members : Enumerable.Range(0, 512).Select(_ => members[_sampleRng.Next(members.Count)]).ToList();
        int bad = check.Count(h => Wrong(_sim.NodeOf<D1htNode>(h)!.Table, truth) != 0);
        _convergedAtBound = bad == 0;
        _converge.Check(bad == 0, () => $"{bad} of {check.Count} checked tables differ from the true membership at {new Micros(now)}");
    }

    /// <summary>Hosts that are up and admitted, and their sorted ids: the true membership.</summary>
    private List<int> Members(out RingId[] truth)
    {
        var members = new List<int>();
        for (int h = 0; h < _ids.Length; h++)
            if (_sim.NodeOf<D1htNode>(h) is { IsMember: true }) members.Add(h);
        truth = members.Select(h => _ids[h]).Order().ToArray();
        return members;
    }

    /// <summary>Entries of the table that are wrong: live there but not truly a member, or a member missing.</summary>
    private int Wrong(IRoutingTable table, RingId[] truth)
    {
        _scratch.Clear();
        table.CopyStates(new RingId(0), new RingId(ulong.MaxValue), _scratch);
        int i = 0, wrong = 0;
        foreach (var s in _scratch)
        {
            if (!s.Joined) continue;
            while (i < truth.Length && truth[i].Value < s.Id.Value) { i++; wrong++; }
            if (i < truth.Length && truth[i] == s.Id) i++; else wrong++;
        }
        return wrong + truth.Length - i;
    }

    public void Write(JsonObject o)
    {
        double seconds = Math.Max(1e-9, (_sim.Now.Value - _warmup) / 1e6);
        double n = _memberSamples > 0 ? _memberSum / _memberSamples : _ids.Length;
        double theta = _thetaSamples > 0 ? _thetaSum / _thetaSamples : (_options.FixedTheta ?? _options.MaxTheta).Seconds;
        double rate = (_joinsDetected + _leavesDetected) / seconds;
        double m = _edraEvents > 0 ? (double)_edraEventBytes / _edraEvents : 0;
        double h = _edraMessages > 0 ? (_edraBytes - (double)_edraEventBytes) / _edraMessages : 0;
        double perHost = 8.0 / (n * seconds);
        int rho = RoutingTableExtensions.Rho((int)Math.Round(n));
        double d = _options.MeanDelay.Seconds;
        double leaveShare = _joinsDetected + _leavesDetected > 0 ? _leavesDetected / (double)(_joinsDetected + _leavesDetected) : 1;
        o["lookups"] = _lookups;
        o["oneHopFraction"] = _lookups > 0 ? Round((double)_oneHop / _lookups) : null;
        o["meanHops"] = _lookups - _failed > 0 ? Round((double)_hopSum / (_lookups - _failed)) : null;
        o["failedLookups"] = _failed;
        o["theta"] = Round(theta);
        o["eventRate"] = Round(rate);
        o["meanMembers"] = Round(n);
        o["maintenanceBpsPerHost"] = Round((_edraBytes + _probeBytes + _repairBytes) * perHost);
        o["edraBpsPerHost"] = Round(_edraBytes * perHost);
        o["modelMaintenanceBpsPerHost"] = Round(ModelBps(n, rate, theta, m, h));
        o["probeBpsPerHost"] = Round(_probeBytes * perHost);
        o["repairBpsPerHost"] = Round(_repairBytes * perHost);
        o["joinTransferBpsPerHost"] = Round(_joinBytes * perHost);
        o["bytesPerEvent"] = Round(m);
        o["headerBytesPerMessage"] = Round(h);
        o["eventAckSecondsMean"] = _ackCount > 0 ? Round(_ackSum / _ackCount) : null;
        o["eventAckSecondsMax"] = _ackCount > 0 ? Round(_ackMax) : null;
        o["modelEventAckSecondsMean"] = Round(leaveShare * (1.5 * theta + _options.ProbeWindow.Seconds) + rho * (theta + 2 * d) / 4);
        o["staleEntryFraction"] = _staleSamples > 0 ? Round(_staleSum / _staleSamples) : null;
        o["tableConvergedAfterFaults"] = _convergedAtBound;
        o["convergenceSecondsAfterFaults"] = _convergedSince >= 0 ? Round((_convergedSince - _lastChange) / 1e6) : null;
        o["lastMembershipChangeSeconds"] = Round(_lastChange / 1e6);
        o["convergenceBoundSeconds"] = Round(ConvergenceBound(_options, (int)n).Seconds);
    }

    /// <summary>D1HT.md's model: B = 8 (M h / Theta + r m), M = 1 + sum_{l=1}^{rho-1} [1 - (1 - P)^ceil(n / 2^(l+1))], P = 1 - exp(-2 Theta / S).</summary>
    public static double ModelBps(double n, double rate, double theta, double m, double h)
    {
        if (n < 2 || theta <= 0) return 0;
        double session = rate > 0 ? 2 * n / rate : double.PositiveInfinity;
        double p = 1 - Math.Exp(-2 * theta / session);
        int rho = RoutingTableExtensions.Rho((int)Math.Round(n));
        double messages = 1;
        for (int l = 1; l < rho; l++) messages += 1 - Math.Pow(1 - p, Math.Ceiling(n / Math.Pow(2, l + 1)));
        return 8 * (messages * h / theta + rate * m);
    }

    private static double Round(double v) => Math.Round(v, 6);
}
