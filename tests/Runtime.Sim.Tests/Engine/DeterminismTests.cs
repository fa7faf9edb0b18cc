using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using VinzVault.Protocol.Core;
using VinzVault.Runtime.Sim.Engine;
using VinzVault.Runtime.Sim.Logging;
using VinzVault.Runtime.Sim.Protocols;
using VinzVault.Runtime.Sim.Scenarios;

namespace VinzVault.Runtime.Sim.Tests.Engine;

public class DeterminismTests
{
    private static Scenario Quickstart(ulong? seed = null)
    {
        var r = ScenarioLoader.LoadFile(TestPaths.Scenario("quickstart.json"));
        Assert.True(r.Ok, r.Error);
        return seed is null ? r.Scenario! : r.Scenario! with { Seed = seed.Value };
    }

    private static Simulator Run(Scenario s, SimLogging? logging = null)
    {
        var sim = new Simulator(s, Bindings.Create(s.Protocol), logging);
        sim.Run();
        return sim;
    }

    [Fact]
    public void SameSeedGivesSameDigestAndDifferentSeedDoesNot()
    {
        var a = Run(Quickstart(7));
        var b = Run(Quickstart(7));
        var c = Run(Quickstart(8));
        Assert.True(a.EventsProcessed > 10_000);
        Assert.Equal(a.Digest, b.Digest);
        Assert.Equal(a.EventsProcessed, b.EventsProcessed);
        Assert.NotEqual(a.Digest, c.Digest);
    }

    [Fact]
    public void LoggingNeverChangesTheRun()
    {
        var log = new StringWriter();
        var quiet = Run(Quickstart());
        var loud = Run(Quickstart(), new SimLogging(log, LogLevel.Trace, null));
        Assert.Equal(quiet.Digest, loud.Digest);
        string text = log.ToString();
        Assert.Contains("booted with incarnation", text);
        // Every line carries virtual time and the host.
        Assert.Matches(@"\[\s*\d+\.\d{6}s\s+h\d+\] info .*booted", text);
    }

    [Fact]
    public void TraceHostFollowsOneHost()
    {
        var log = new StringWriter();
        var traced = Run(Quickstart(), new SimLogging(log, LogLevel.Debug, 5));
        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines.Where(l => l.Contains(" dbug ") || l.Contains(" info ")), l => Assert.Matches(@"\s(h5|sim)\]", l));
        Assert.Equal(Run(Quickstart()).Digest, traced.Digest);
    }

    [Fact]
    public void DigestIsTheSameInTwoProcesses()
    {
        string dir = Directory.CreateTempSubdirectory("vv-det").FullName;
        string r1 = Path.Combine(dir, "a.json"), r2 = Path.Combine(dir, "b.json");
        var a = TestPaths.Vinzvault("sim", TestPaths.Scenario("quickstart.json"), "--seed", "11", "--report", r1);
        var b = TestPaths.Vinzvault("sim", TestPaths.Scenario("quickstart.json"), "--seed", "11", "--report", r2);
        Assert.Equal(0, a.Exit);
        Assert.Equal(0, b.Exit);
        var ja = JsonNode.Parse(File.ReadAllText(r1))!;
        var jb = JsonNode.Parse(File.ReadAllText(r2))!;
        Assert.Equal(ja["traceDigest"]!.GetValue<string>(), jb["traceDigest"]!.GetValue<string>());
        Assert.Equal(11UL, ja["seed"]!.GetValue<ulong>());
        Assert.Equal(Run(Quickstart(11)).Digest.ToString("x16"), ja["traceDigest"]!.GetValue<string>());
    }

    [Fact]
    public void ReportHasTheStableFields()
    {
        string dir = Directory.CreateTempSubdirectory("vv-rep").FullName;
        string json = Path.Combine(dir, "r.json"), html = Path.Combine(dir, "r.html");
        var r = TestPaths.Vinzvault("sim", "--duration", "30s", "--report", json, "--html", html);
        Assert.Equal(0, r.Exit);
        var j = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        foreach (var field in new[] { "scenario", "seed", "hosts", "virtualSeconds", "wallSeconds", "events", "messages", "traceDigest", "peakWorkingSetBytes", "invariants", "membership", "storage" })
            Assert.True(j.ContainsKey(field), field);
        Assert.Equal("quickstart", j["scenario"]!.GetValue<string>());
        Assert.Equal(30.0, j["virtualSeconds"]!.GetValue<double>());
        var inv = j["invariants"]!.AsArray();
        Assert.NotEmpty(inv);
        Assert.All(inv, i => Assert.True(i!["held"]!.GetValue<bool>()));
        string page = File.ReadAllText(html);
        Assert.Contains("<svg", page);
        Assert.Contains("Messages per second", page);
        Assert.Contains("Live hosts", page);
    }

    [Fact]
    public void EmbeddedDefaultMatchesTheQuickstartFile()
    {
        var embedded = TestPaths.Vinzvault("sim", "--duration", "10s");
        var file = TestPaths.Vinzvault("sim", TestPaths.Scenario("quickstart.json"), "--duration", "10s");
        Assert.Equal(0, embedded.Exit);
        string Digest(string o) => o.Split('\n').First(l => l.StartsWith("trace digest", StringComparison.Ordinal)).Split(' ')[2].TrimEnd(',');
        Assert.Equal(Digest(file.Out), Digest(embedded.Out));
    }

    [Fact]
    public void ANodeThatThrowsIsReportedWithItsHostAndTheRunGoesOn()
    {
        var s = Quickstart() with { Duration = Micros.FromSeconds(5) };
        var sim = new Simulator(s, new ThrowingBinding());
        sim.Run();
        var inv = sim.Invariants.Single(i => i.Name == "nodeNeverThrows");
        Assert.False(inv.Held);
        Assert.Contains("host 3", inv.FirstViolation);
        Assert.Equal(s.Topology.Hosts - 1, sim.LiveHosts);
    }

    private sealed class ThrowingBinding : IProtocolBinding
    {
        public string Name => "throwing";
        public string? ReportSection => null;
        public IEnumerable<ISimObserver> Observers => [];
        public void Attach(Simulator sim) { }
        public Protocol.Node.INode CreateNode(Protocol.Node.NodeContext context, int host) => new Node(host);
        public void WriteReport(JsonObject section) { }

        private sealed class Node(int host) : Protocol.Node.INode
        {
            public void Step(Micros now, in Protocol.Node.Input input, Protocol.Node.Effects effects)
            {
                if (host == 3) throw new InvalidOperationException("boom");
            }
        }
    }
}
