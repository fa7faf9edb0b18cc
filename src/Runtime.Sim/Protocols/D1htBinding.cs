using System.Text.Json.Nodes;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Node;
using VinzVault.Runtime.Sim.Engine;
using VinzVault.Runtime.Sim.Scenarios;

namespace VinzVault.Runtime.Sim.Protocols;

/// <summary>
/// Runs D1HT membership: builds nodes (from a formed ring or joining), drives the random lookup workload, and
/// fills the report's <c>membership</c> object through <see cref="D1htMetrics"/>.
/// </summary>
/// <param name="sharedTables">Force the table representation (tests compare both); null picks by ring size.</param>
public sealed class D1htBinding(D1htSpec spec, bool? sharedTables = null) : IProtocolBinding
{
    private readonly List<ISimObserver> _observers = [];
    private Simulator _sim = null!;
    private D1htOptions _options = D1htOptions.Default;
    private D1htMetrics _metrics = null!;
    private ITableFactory _tables = null!;
    /// <summary>Lookup request ids live in their own range: other workloads on the same hosts number from 1.</summary>
    private long _lookupId = 1L << 52;
    private int _flooders;

    public string Name => "d1ht";
    public string? ReportSection => "membership";
    public IEnumerable<ISimObserver> Observers => _observers;
    public D1htOptions Options => _options;
    public D1htMetrics Metrics => _metrics;
    public ITableFactory Tables => _tables;
    /// <summary>Hosts of the formed ring (the join flood's are the rest, numbered after them).</summary>
    public int FormedHosts => _sim.Hosts - _flooders;

    /// <summary>The node options a scenario asks for; unset fields keep D1htOptions' defaults.</summary>
    public static D1htOptions OptionsFor(D1htSpec spec, Scenario scenario)
    {
        var d = D1htOptions.Default;
        return d with
        {
            FixedTheta = spec.Theta,
            MinTheta = spec.MinTheta ?? d.MinTheta,
            MaxTheta = spec.MaxTheta ?? d.MaxTheta,
            Quarantine = spec.Quarantine ?? d.Quarantine,
            ProbeTimeout = spec.ProbeTimeout ?? d.ProbeTimeout,
            MeanDelay = spec.MeanDelay ?? scenario.Network.SameDatacenter,
            TargetStaleFraction = spec.TargetStaleFraction ?? d.TargetStaleFraction,
            AntiEntropyThetas = spec.AntiEntropyThetas,
            Mode = spec.Mode == "perEvent" ? DisseminationMode.PerEvent : DisseminationMode.Edra,
        };
    }

    /// <summary>The scenario's warm-up, at most half the run: a run shortened below it still measures its second half.</summary>
    public static Micros Warmup(D1htSpec spec, Scenario scenario) => Micros.Min(spec.Warmup, new Micros(scenario.Duration.Value / 2));

    public void Attach(Simulator sim)
    {
        _sim = sim;
        _options = OptionsFor(spec, sim.Scenario);
        var ids = new RingId[sim.Hosts];
        for (int h = 0; h < sim.Hosts; h++) ids[h] = RingId.ForHostName(Simulator.HostName(h));
        // The join flood's hosts are the highest-numbered ones: outside the formed ring, down until their turn.
        _flooders = (int)Math.Round(spec.JoinFlood * sim.Hosts);
        int formedHosts = sim.Hosts - _flooders;
        _tables = sharedTables ?? sim.Hosts > SortedTables.MaxHosts ? new SharedTables(ids, sim.Addresses, formedHosts) : new SortedTables(ids, sim.Addresses, formedHosts);
        _metrics = new D1htMetrics(sim, ids, _options, _tables, Warmup(spec, sim.Scenario));
        _observers.Add(_metrics);
        for (int h = formedHosts; h < sim.Hosts; h++)
        {
            int host = h;
            sim.At(Micros.Zero, () => sim.Crash(host));
            var at = spec.JoinFloodAt + new Micros(spec.JoinFloodSpan.Value * (h - formedHosts) / Math.Max(1, _flooders));
            sim.At(at, () => sim.Boot(host));
        }
        if (spec.LookupsPerSecond > 0) sim.At(Micros.FromSeconds(1 / spec.LookupsPerSecond), NextLookup);
    }

    public INode CreateNode(NodeContext context, int host)
    {
        // At time zero every host boots for the first time: with a formed ring it starts as a member at incarnation 1.
        bool formed = spec.FormedRing && _sim.Now == Micros.Zero && host < _sim.Hosts - _flooders;
        var table = _tables.Create(host, formed);
        return new D1htNode(context, _options, table, _metrics, found: !spec.FormedRing && host == 0 && _sim.Now == Micros.Zero,
            recent: _tables.CreateRecentStates(host), pending: _tables.CreatePendingEvents(host));
    }

    private void NextLookup()
    {
        var rng = _metrics.WorkloadRng;
        int host = rng.Next(_sim.Hosts);
        if (_sim.NodeOf<D1htNode>(host) is { IsMember: true })
            _sim.Submit(host, ++_lookupId, new LookupOp(new RingId(rng.NextUInt64())), _sim.Now);
        _sim.At(_sim.Now + Micros.FromSeconds(rng.Exponential(1 / spec.LookupsPerSecond)), NextLookup);
    }

    public void WriteReport(JsonObject section) => _metrics.Write(section);
}
