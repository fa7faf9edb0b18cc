using System.Diagnostics;
using System.Globalization;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Ping;
using VinzVault.Runtime.Sim.Engine;
using VinzVault.Runtime.Sim.Protocols;
using VinzVault.Runtime.Sim.Scenarios;

// Benchmarks of the simulator. Usage:
//   dotnet run -c Release --project bench/Bench -- engine [hosts] [virtual seconds]
//   dotnet run -c Release --project bench/Bench -- scale [scenario.json] [hosts] [virtual duration]
string which = args.Length > 0 ? args[0] : "engine";
switch (which)
{
    case "engine":
        Engine(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000,
               args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 30);
        return 0;
    case "scale":
        return Scale(args.Length > 1 ? args[1] : "sim-scenarios/d1ht-churn-100k.json",
                     args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : null,
                     args.Length > 3 ? args[3] : null);
    default:
        Console.Error.WriteLine($"unknown benchmark '{which}' (known: engine, scale)");
        return 2;
}

// The D1HT scale benchmark (issue 3): a churn scenario with every message simulated, reporting wall time, peak
// memory and, every 30 virtual seconds, where the memory is (table entries, in-flight records, GC heap).
static int Scale(string file, int? hosts, string? duration)
{
    var loaded = ScenarioLoader.LoadFile(file);
    if (loaded.Scenario is null) { Console.Error.WriteLine(loaded.Error); return 2; }
    Micros? span = null;
    if (duration is not null)
    {
        if (!Units.TryParseDuration(duration, out var d, out string error)) { Console.Error.WriteLine($"duration: {error}"); return 2; }
        span = d;
    }
    var over = ScenarioLoader.ApplyOverrides(loaded.Scenario, null, hosts, span);
    if (over.Scenario is null) { Console.Error.WriteLine(over.Error); return 2; }
    var scenario = over.Scenario;
    var binding = (D1htBinding)Bindings.Create(scenario.Protocol);
    var sim = new Simulator(scenario, binding);
    using var allocations = Environment.GetEnvironmentVariable("VINZ_ALLOC_PROFILE") == "1" ? new AllocationProfile() : null;
    var sw = Stopwatch.StartNew();
    long nextReport = 0, nextLive = 0;
    sim.Run(p =>
    {
        if (p.Now.Value < nextReport) return;
        nextReport = p.Now.Value + 30_000_000;
        // A forced full collection costs about a second at 100,000 hosts: the live heap is measured every 5 virtual minutes (-1 between).
        bool measureLive = p.Now.Value >= nextLive;
        if (measureLive) nextLive = p.Now.Value + 300_000_000;
        long inFlight = 0, unacked = 0;
        for (int h = 0; h < sim.Hosts; h++)
            if (sim.NodeOf<D1htNode>(h) is { } n) { inFlight += n.Footprint.InFlight; unacked += n.Footprint.Unacked; }
        var (entries, capacity) = binding.Tables is SharedTables t ? t.Space.Footprint() : (0, 0);
        Console.Error.WriteLine(FormattableString.Invariant(
            $"  {p.Now.Seconds,7:0}s virtual {p.WallSeconds,7:0.0}s wall {p.Events / p.WallSeconds / 1e6,5:0.00} M ev/s  heap {GC.GetTotalMemory(false) >> 20,6} MiB live {(measureLive ? GC.GetTotalMemory(true) : -(1L << 20)) >> 20,6} MiB gc {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} paused {GC.GetTotalPauseDuration().TotalSeconds:0.0}s allocated {GC.GetTotalAllocatedBytes() / 1e9:0.0} GB  entries/host {entries / (double)sim.Hosts,6:0.0} (cap {capacity / (double)sim.Hosts,6:0.0})  inFlight/host {inFlight / (double)sim.Hosts,6:0.0}  unacked/host {unacked / (double)sim.Hosts,4:0.0}"));
        // The figures so far, so a run stopped early still shows what it measured.
        var sofar = new System.Text.Json.Nodes.JsonObject();
        binding.WriteReport(sofar);
        Console.Error.WriteLine($"    membership so far: {sofar.ToJsonString()}");
    });
    sw.Stop();
    var m = binding.Metrics;
    var section = new System.Text.Json.Nodes.JsonObject();
    binding.WriteReport(section);
    Console.WriteLine($"scale: {scenario.Name}, {sim.Hosts} hosts, {scenario.Duration.Seconds} virtual s, {sim.EventsProcessed:N0} events, {sim.MessagesSent:N0} messages in {sw.Elapsed.TotalSeconds:0.0} s wall ({sim.EventsProcessed / sw.Elapsed.TotalSeconds / 1e6:0.00} M events/s), peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB, trace digest {sim.Digest:x16}");
    Console.WriteLine($"membership: {section.ToJsonString()}");
    allocations?.Print();
    bool held = sim.Invariants.All(i => i.Held);
    Console.WriteLine(held ? "every invariant held" : "an invariant was violated: " + string.Join(", ", sim.Invariants.Where(i => !i.Held).Select(i => i.Name)));
    return held ? 0 : 1;
}

// Events per wall second of the bare engine: every host pings a random peer once a virtual second
// (so each ping is a timer, a delivery and a pong delivery: three events), no checkers, no faults.
// Baseline in the same run: a loop that only pushes and pops the same number of events through the
// queue, so the ratio says how much of the cost is the queue itself.
static void Engine(int hosts, double seconds)
{
    var scenario = new Scenario
    {
        Name = "bench-engine",
        Seed = 42,
        Duration = Micros.FromSeconds(seconds),
        SampleInterval = Micros.FromSeconds(seconds),
        Topology = new TopologySpec { Hosts = hosts, Datacenters = 2, HostsPerRack = 40 },
    };
    var sim = new Simulator(scenario, new PingBinding(PingOptions.Default, checks: false));
    long gc0 = GC.CollectionCount(0);
    var sw = Stopwatch.StartNew();
    sim.Run(p => Console.Error.Write($"\r  {p.Now.Seconds,8:0.0}s / {p.End.Seconds:0}s virtual, {p.Events / p.WallSeconds / 1e6:0.00} M events/s"));
    sw.Stop();
    Console.Error.WriteLine();
    double rate = sim.EventsProcessed / sw.Elapsed.TotalSeconds;
    var baseline = QueueOnly(sim.EventsProcessed, hosts);
    Console.WriteLine($"engine: {hosts} hosts, {seconds} virtual s, {sim.EventsProcessed:N0} events in {sw.Elapsed.TotalSeconds:0.00} s = {rate / 1e6:0.00} M events/s (gen0 GCs {GC.CollectionCount(0) - gc0}, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB)");
    Console.WriteLine($"baseline: queue push+pop only, same event count and queue depth: {baseline / 1e6:0.00} M events/s; engine/baseline = {rate / baseline:0.00}");
}

static double QueueOnly(long events, int depth)
{
    var q = new EventQueueProbe(depth);
    var sw = Stopwatch.StartNew();
    q.Run(events);
    return events / sw.Elapsed.TotalSeconds;
}

/// <summary>
/// Where the allocations go: the runtime's allocation ticks (one per ~100 KB allocated) summed by type. Enabled by
/// VINZ_ALLOC_PROFILE=1 on the scale benchmark; printed at the end.
/// </summary>
sealed class AllocationProfile : System.Diagnostics.Tracing.EventListener
{
    private readonly Dictionary<string, long> _bytes = [];

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
    {
        if (e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
        int t = e.PayloadNames!.IndexOf("TypeName"), a = e.PayloadNames.IndexOf("AllocationAmount64");
        if (t < 0 || a < 0) return;
        string type = e.Payload[t] as string ?? "?";
        long bytes = Convert.ToInt64(e.Payload[a], CultureInfo.InvariantCulture);
        lock (_bytes) _bytes[type] = _bytes.GetValueOrDefault(type) + bytes;
    }

    public void Print()
    {
        lock (_bytes)
        {
            long total = _bytes.Values.Sum();
            Console.WriteLine($"allocation ticks: {total / 1e9:0.00} GB sampled");
            foreach (var (type, bytes) in _bytes.OrderByDescending(kv => kv.Value).Take(20))
                Console.WriteLine($"  {bytes * 100.0 / total,5:0.0}%  {bytes / 1e6,9:0} MB  {type}");
        }
    }
}
