using System.Text.Json.Nodes;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Node;
using VinzVault.Protocol.Ping;
using VinzVault.Protocol.Wire;
using VinzVault.Runtime.Sim.Checkers;
using VinzVault.Runtime.Sim.Engine;

namespace VinzVault.Runtime.Sim.Protocols;

/// <summary>Runs the trivial heartbeat protocol; a fixture for the engine and its benchmark.</summary>
public sealed class PingBinding(PingOptions options, bool checks = true) : IProtocolBinding
{
    private readonly List<ISimObserver> _observers = [];

    public string Name => "ping";
    public string? ReportSection => "ping";
    public IEnumerable<ISimObserver> Observers => _observers;
    private PingChecker? _checker;

    public void Attach(Simulator sim)
    {
        if (!checks) return;
        _checker = new PingChecker(sim);
        _observers.Add(_checker);
    }

    public INode CreateNode(NodeContext context, int host) => new PingNode(context, options);

    public void WriteReport(JsonObject section)
    {
        if (_checker is null) return;
        section["pings"] = _checker.Pings;
        section["pongs"] = _checker.Pongs;
    }
}

/// <summary>
/// Checks the trivial protocol from the wire: a pong only answers a ping that was sent to that host
/// (<c>pongAnswersPing</c>), and a restarted host's incarnation exceeds every earlier one
/// (<c>incarnationSurvivesCrash</c>: synced writes survive crashes).
/// </summary>
internal sealed class PingChecker : ISimObserver
{
    private readonly Simulator _sim;
    private readonly Invariant _pongAnswersPing, _incarnationGrows;
    // Keyed with the target too: a restarted pinger reuses sequence numbers, so one (pinger, seq) may name several pings.
    private readonly Dictionary<(int Pinger, long Seq, int Target), long> _outstanding = [];
    private readonly uint[] _highestIncarnation;
    private readonly bool[] _sawThisLife;

    public PingChecker(Simulator sim)
    {
        _sim = sim;
        _pongAnswersPing = sim.AddInvariant("pongAnswersPing");
        _incarnationGrows = sim.AddInvariant("incarnationSurvivesCrash");
        _highestIncarnation = new uint[sim.Hosts];
        _sawThisLife = new bool[sim.Hosts];
    }

    public long Pings { get; private set; }
    public long Pongs { get; private set; }

    public void OnHostUp(long now, int host) => _sawThisLife[host] = false;

    public void OnHostDown(long now, int host, bool permanent)
    {
        if (permanent) _highestIncarnation[host] = 0;
    }

    public void OnSend(long now, int from, int to, Message message)
    {
        if (message is not PingMessage ping) return;
        Pings++;
        _outstanding[(from, ping.Seq, to)] = now;
        if (_sawThisLife[from]) return;
        _sawThisLife[from] = true;
        uint before = _highestIncarnation[from];
        _incarnationGrows.Check(ping.Incarnation > before,
            () => $"host {from} came back at {new Micros(now)} with incarnation {ping.Incarnation}, not above {before}");
        _highestIncarnation[from] = Math.Max(before, ping.Incarnation);
    }

    public void OnDeliver(long now, int from, int to, Message message)
    {
        if (message is not PongMessage pong) return;
        Pongs++;
        _pongAnswersPing.Check(_outstanding.ContainsKey((to, pong.Seq, from)),
            () => $"host {to} got pong seq {pong.Seq} from host {from} at {new Micros(now)} without a matching ping");
    }

    public void OnSample(long now, Metrics metrics)
    {
        // Pongs come back within milliseconds; forget pings older than a minute so memory stays flat.
        long horizon = now - 60_000_000;
        if (_outstanding.Count < 100_000) return;
        var old = new List<(int, long, int)>();
        foreach (var (k, at) in _outstanding) if (at < horizon) old.Add(k);
        foreach (var k in old) _outstanding.Remove(k);
    }
}
