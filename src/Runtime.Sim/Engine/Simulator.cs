using System.Diagnostics;
using Microsoft.Extensions.Logging;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Node;
using VinzVault.Protocol.Wire;
using VinzVault.Runtime.Sim.Checkers;
using VinzVault.Runtime.Sim.Disk;
using VinzVault.Runtime.Sim.Logging;
using VinzVault.Runtime.Sim.Network;
using VinzVault.Runtime.Sim.Scenarios;

namespace VinzVault.Runtime.Sim.Engine;

/// <summary>Progress of a run, for a progress bar.</summary>
public readonly record struct SimProgress(Micros Now, Micros End, long Events, double WallSeconds);

/// <summary>
/// The deterministic discrete-event simulator. Every host runs the same <see cref="INode"/> code as the
/// real runtime; the simulator delivers its inputs in (time, sequence) order and carries out its effects
/// through the network and disk models. Every random choice derives from the scenario's seed, and the
/// run folds each event into a digest, so one seed gives one trace.
/// </summary>
public sealed partial class Simulator
{
    private readonly EventQueue _queue = new();
    private readonly Effects _effects = new();
    private readonly INode?[] _nodes;
    private readonly int[] _life;
    private readonly bool[] _up;
    private readonly bool[] _lost;
    private readonly SimDisk[] _disks;
    private readonly Address[] _addresses;
    private readonly List<ISimObserver> _observers = [];
    private readonly List<Invariant> _invariants = [];
    private readonly Prng _netRng, _diskRng, _faultRng;
    private readonly ILogger _log;
    private long _now;
    private ulong _digest = 0xcbf29ce484222325UL;
    private bool _stopped;

    public Simulator(Scenario scenario, IProtocolBinding binding, SimLogging? logging = null)
    {
        Scenario = scenario;
        Binding = binding;
        Logging = logging ?? SimLogging.Off;
        _log = Logging.ForSimulator();
        Topology = new Topology(scenario.Topology);
        int n = Topology.Hosts;
        _nodes = new INode?[n];
        _life = new int[n];
        _up = new bool[n];
        _lost = new bool[n];
        _disks = new SimDisk[n];
        _addresses = new Address[n];
        for (int i = 0; i < n; i++) { _disks[i] = new SimDisk(); _addresses[i] = new Address((ulong)i); }
        _netRng = new Prng(Prng.Derive(scenario.Seed, 1));
        _diskRng = new Prng(Prng.Derive(scenario.Seed, 2));
        _faultRng = new Prng(Prng.Derive(scenario.Seed, 3));
        Network = new SimNetwork(Topology, scenario.Network, _netRng, Faults);
        NodeThrows = AddInvariant("nodeNeverThrows");
        binding.Attach(this);
        foreach (var o in binding.Observers) _observers.Add(o);
    }

    public Scenario Scenario { get; }
    public IProtocolBinding Binding { get; }
    public SimLogging Logging { get; }
    public Topology Topology { get; }
    internal SimNetwork Network { get; }
    public FaultCounters Faults { get; } = new();
    public Metrics Metrics { get; } = new();
    public IReadOnlyList<Invariant> Invariants => _invariants;
    private Invariant NodeThrows { get; }

    public Micros Now => new(_now);
    public long EventsProcessed { get; private set; }
    public long MessagesSent { get; private set; }
    public long BytesSent { get; private set; }
    public ulong Digest => _digest;
    public int Hosts => _nodes.Length;
    /// <summary>Every host's address, shared by all nodes (the simulator's bootstrap list).</summary>
    public IReadOnlyList<Address> Addresses => _addresses;
    public bool IsUp(int host) => _up[host];
    public bool IsLost(int host) => _lost[host];
    public INode? NodeOf(int host) => _nodes[host];
    /// <summary>Whether a host's disk holds a non-empty file, up or down (for checkers: what survives is what a restart finds).</summary>
    public bool HasFile(int host, ulong file) => _disks[host].Has(file);
    /// <summary>A host's non-empty files, up or down, in no particular order (for checkers).</summary>
    public IEnumerable<ulong> FilesOf(int host) => _disks[host].Files;

    /// <summary>The host's node of type <typeparamref name="T"/>, itself or a part of a composite node; null if none (or down).</summary>
    public T? NodeOf<T>(int host) where T : class, INode => _nodes[host] switch
    {
        T node => node,
        ICompositeNode composite => composite.Parts.OfType<T>().FirstOrDefault(),
        _ => null,
    };
    public int LiveHosts { get; private set; }

    /// <summary>Host names are stable across restarts, so a host's ring ID is too.</summary>
    public static string HostName(int host) => $"host-{host:D6}";

    public Invariant AddInvariant(string name)
    {
        var inv = new Invariant(name);
        _invariants.Add(inv);
        return inv;
    }

    public void AddObserver(ISimObserver observer) => _observers.Add(observer);

    /// <summary>Runs <paramref name="action"/> at virtual time <paramref name="at"/> (faults, workloads, sampling).</summary>
    public void At(Micros at, Action action)
    {
        var e = new SimEvent { Time = Math.Max(at.Value, _now), Type = EventType.Action, Payload = action, Host = -1 };
        _queue.Push(ref e);
    }

    /// <summary>Hands a client request to a host's node at virtual time <paramref name="at"/>.</summary>
    public void Submit(int host, long id, ClientOp op, Micros at)
    {
        var e = new SimEvent { Time = Math.Max(at.Value, _now), Type = EventType.Client, Host = host, Life = _life[host], Aux = id, Payload = op };
        _queue.Push(ref e);
    }

    /// <summary>
    /// Delivers <paramref name="message"/> to host <paramref name="to"/> at <paramref name="at"/> as if host <paramref name="from"/>
    /// had sent it: a message held up in the network for as long as a test needs (a reconnect, a queue on a slow link).
    /// </summary>
    public void Inject(int from, int to, Message message, Micros at)
    {
        var e = new SimEvent { Time = Math.Max(at.Value, _now), Type = EventType.Deliver, Host = to, From = (ulong)from, Payload = message };
        _queue.Push(ref e);
    }

    /// <summary>Stops the run after the current event (used by tests and by fatal checkers).</summary>
    public void Stop() => _stopped = true;

    /// <summary>Runs the scenario to its end. Progress is reported about twice a second of wall time.</summary>
    public void Run(Action<SimProgress>? progress = null)
    {
        var wall = Stopwatch.StartNew();
        long end = Scenario.Duration.Value;
        for (int i = 0; i < Hosts; i++) Boot(i);
        new FaultScheduler(this, _faultRng).Schedule();
        ScheduleSample(Scenario.SampleInterval.Value);
        double lastReport = 0;
        while (_queue.Count > 0 && !_stopped)
        {
            if (_queue.PeekTime > end) break;
            var e = _queue.Pop();
            _now = e.Time;
            Dispatch(ref e);
            EventsProcessed++;
            if ((EventsProcessed & 0xFFFF) == 0 && progress is not null && wall.Elapsed.TotalSeconds - lastReport >= 0.5)
            {
                lastReport = wall.Elapsed.TotalSeconds;
                progress(new SimProgress(Now, Scenario.Duration, EventsProcessed, lastReport));
            }
        }
        if (!_stopped) _now = Math.Max(_now, end);
        foreach (var o in _observers) o.OnEnd(_now);
        WallSeconds = wall.Elapsed.TotalSeconds;
    }

    public double WallSeconds { get; private set; }

    private void ScheduleSample(long at)
    {
        long prevMessages = 0, prevBytes = 0, prevEvents = 0;
        long interval = Scenario.SampleInterval.Value;
        void Sample()
        {
            double t = _now / 1e6, secs = interval / 1e6;
            Metrics.Add("messages/s", "msg/s", t, (MessagesSent - prevMessages) / secs, "Messages per second");
            Metrics.Add("bytes/s", "B/s", t, (BytesSent - prevBytes) / secs, "Network bytes per second");
            Metrics.Add("events/s", "ev/s", t, (EventsProcessed - prevEvents) / secs, "Simulator events per virtual second");
            Metrics.Add("live hosts", "hosts", t, LiveHosts, "Live hosts");
            prevMessages = MessagesSent; prevBytes = BytesSent; prevEvents = EventsProcessed;
            foreach (var o in _observers) o.OnSample(_now, Metrics);
            At(new Micros(_now + interval), Sample);
        }
        At(new Micros(at), Sample);
    }

    private void Dispatch(ref SimEvent e)
    {
        _digest = StableHash.Combine(_digest, (ulong)e.Time ^ ((ulong)(uint)e.Host << 40) ^ ((ulong)e.Type << 60));
        switch (e.Type)
        {
            case EventType.Action:
                ((Action)e.Payload!)();
                return;
            case EventType.Deliver:
                if (!_up[e.Host]) return;
                var msg = (Message)e.Payload!;
                _digest = StableHash.Combine(_digest, e.From << 8 | (byte)msg.Tag);
                foreach (var o in _observers) o.OnDeliver(_now, (int)e.From, e.Host, msg);
                StepNode(e.Host, Input.Received(_addresses[e.From], msg));
                return;
            default:
                if (!_up[e.Host] || e.Life != _life[e.Host]) return;
                break;
        }
        switch (e.Type)
        {
            case EventType.Start:
                StepNode(e.Host, Input.Start());
                break;
            case EventType.Timer:
                _digest = StableHash.Combine(_digest, e.From ^ (ulong)e.Aux << 20);
                StepNode(e.Host, Input.TimerFired(new TimerKey((int)e.From, e.Aux)));
                break;
            case EventType.DiskDone:
                var op = (DiskOp)e.Payload!;
                var result = _disks[e.Host].Complete(op, e.From != 0);
                _digest = StableHash.Combine(_digest, (ulong)e.Aux ^ (result.Ok ? 1UL : 0UL) << 63);
                StepNode(e.Host, Input.DiskDone(e.Aux, result));
                break;
            case EventType.Client:
                StepNode(e.Host, Input.Client(e.Aux, (ClientOp)e.Payload!));
                break;
            default:
                break;
        }
    }

    private void StepNode(int host, in Input input)
    {
        var node = _nodes[host]!;
        Logging.Now = new Micros(_now);
        _effects.Clear();
        try
        {
            node.Step(new Micros(_now), input, _effects);
        }
        catch (Exception ex)
        {
            // A node that throws is a bug: record it with the replay seed, and crash that host so the run goes on.
            NodeThrows.Check(false, (host, Now, what: input.ToString(), ex), static s => $"host {s.host} at {s.Now} on {s.what}: {s.ex.GetType().Name}: {s.ex.Message}");
            LogNodeThrew(_log, host, ex.Message);
            Crash(host);
            return;
        }
        NodeThrows.Check(true, static () => "");
        int count = _effects.Count;
        for (int i = 0; i < count; i++) Execute(host, _effects[i]);
    }

    private void Execute(int host, in Effect fx)
    {
        switch (fx.Kind)
        {
            case EffectKind.Send:
                SendMessage(host, fx.To, fx.Message!);
                break;
            case EffectKind.SetTimer:
                {
                    var e = new SimEvent { Time = Math.Max(fx.At.Value, _now), Type = EventType.Timer, Host = host, Life = _life[host], From = (ulong)fx.Timer.Kind, Aux = fx.Timer.Tag };
                    _queue.Push(ref e);
                    break;
                }
            case EffectKind.Disk:
                {
                    var (at, fail) = _disks[host].Schedule(fx.Disk!, _now, Scenario.Disk, _diskRng, Faults);
                    var e = new SimEvent { Time = at, Type = EventType.DiskDone, Host = host, Life = _life[host], Aux = fx.Id, From = fail ? 1UL : 0UL, Payload = fx.Disk };
                    _queue.Push(ref e);
                    break;
                }
            case EffectKind.Reply:
                foreach (var o in _observers) o.OnReply(_now, host, fx.Id, fx.Result!);
                break;
            default:
                break;
        }
    }

    private void SendMessage(int from, Address to, Message message)
    {
        MessagesSent++;
        BytesSent += message.Size() + 4;
        if (to.Value >= (ulong)Hosts) return;
        int dst = (int)to.Value;
        foreach (var o in _observers) o.OnSend(_now, from, dst, message);
        Span<long> at = stackalloc long[2];
        int n = Network.Route(from, dst, _now, at);
        for (int i = 0; i < n; i++)
        {
            var e = new SimEvent { Time = at[i], Type = EventType.Deliver, Host = dst, From = (ulong)from, Payload = message };
            _queue.Push(ref e);
        }
    }

    /// <summary>Starts (or restarts) a host: fresh volatile state, the disk as it survived.</summary>
    public void Boot(int host)
    {
        if (_up[host] || _lost[host]) return;
        _life[host]++;
        _up[host] = true;
        LiveHosts++;
        var ctx = new NodeContext(_addresses[host], HostName(host), Prng.Derive(Scenario.Seed, 1000UL + (ulong)host * 7919UL + (ulong)_life[host]),
            _addresses, Logging.ForHost(host), Topology[host]);
        _nodes[host] = Binding.CreateNode(ctx, host);
        foreach (var o in _observers) o.OnHostUp(_now, host);
        var e = new SimEvent { Time = _now, Type = EventType.Start, Host = host, Life = _life[host] };
        _queue.Push(ref e);
    }

    /// <summary>Crashes a host: volatile state and pending timers and disk operations are lost; the disk keeps what was synced.</summary>
    public void Crash(int host)
    {
        if (!_up[host]) return;
        _up[host] = false;
        _life[host]++;
        _nodes[host] = null;
        LiveHosts--;
        _disks[host].Crash(Scenario.Disk, _diskRng, Faults);
        foreach (var o in _observers) o.OnHostDown(_now, host, false);
    }

    /// <summary>Loses a host for good: it crashes and its disk is gone; it never comes back.</summary>
    public void Lose(int host)
    {
        bool wasUp = _up[host];
        if (wasUp)
        {
            _up[host] = false;
            _life[host]++;
            _nodes[host] = null;
            LiveHosts--;
        }
        _lost[host] = true;
        _disks[host].Wipe();
        foreach (var o in _observers) o.OnHostDown(_now, host, true);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "host {Host} threw and was crashed: {Error}")]
    private static partial void LogNodeThrew(ILogger logger, int host, string error);
}
