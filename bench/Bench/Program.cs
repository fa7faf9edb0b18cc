using System.Diagnostics;
using System.Globalization;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Ping;
using VinzVault.Runtime.Sim.Engine;
using VinzVault.Runtime.Sim.Protocols;
using VinzVault.Runtime.Sim.Scenarios;

// Benchmarks of the simulator. Usage: dotnet run -c Release --project bench/Bench -- engine [hosts] [virtual seconds]
string which = args.Length > 0 ? args[0] : "engine";
switch (which)
{
    case "engine":
        Engine(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000,
               args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 30);
        return 0;
    default:
        Console.Error.WriteLine($"unknown benchmark '{which}' (known: engine)");
        return 2;
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
