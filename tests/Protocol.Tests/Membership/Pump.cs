using Microsoft.Extensions.Logging.Abstractions;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Node;
using VinzVault.Protocol.Wire;

namespace VinzVault.Protocol.Tests.Membership;

/// <summary>
/// A tiny deterministic message pump for a handful of D1HT nodes: fixed delay plus seeded jitter, optional loss
/// and partitions, synced disks that survive crashes. The simulator replaces it in integration tests. Every sent
/// message is encoded and decoded, and its Size checked against its encoding.
/// </summary>
public sealed class Pump : ID1htObserver
{
    /// <summary>Options scaled down for small rings in tests: one-second Theta, short timeouts and quarantine.</summary>
    public static readonly D1htOptions Fast = D1htOptions.Default with
    {
        FixedTheta = Micros.FromSeconds(1),
        ProbeTimeout = Micros.FromMillis(100),
        Quarantine = Micros.FromSeconds(5),
        JoinTimeout = Micros.FromSeconds(1),
        LookupTimeout = Micros.FromMillis(100),
        MeanDelay = Micros.FromMillis(5),
    };

    private readonly PriorityQueue<(int Host, int Life, Input Input), (long, long)> _queue = new();
    private readonly Dictionary<(int, ulong), byte[]> _disk = [];
    private readonly Effects _effects = new();
    private readonly Prng _rng;
    private readonly int[] _life;
    private long _seq;

    public Pump(int hosts, D1htOptions options, ulong seed = 1)
    {
        Options = options;
        _rng = new Prng(seed);
        Nodes = new D1htNode?[hosts];
        Up = new bool[hosts];
        _life = new int[hosts];
        Addresses = Enumerable.Range(0, hosts).Select(i => new Address((ulong)i)).ToArray();
    }

    public D1htOptions Options { get; }
    public D1htNode?[] Nodes { get; }
    public bool[] Up { get; }
    public Address[] Addresses { get; }
    public Micros Now { get; private set; }
    public Micros Delay { get; set; } = Micros.FromMillis(5);
    public double Loss { get; set; }
    /// <summary>Hosts on different sides (true/false) cannot talk while a partition is set.</summary>
    public bool[]? Side { get; set; }
    /// <summary>Sees every delivered message (from, to, message) when set; for debugging a failing case.</summary>
    public Action<Micros, int, int, Message>? Trace { get; set; }
    public List<(int Host, long Id, ClientResult Result)> Replies { get; } = [];
    /// <summary>Per host and subject: how many times a state change about the subject was applied (duplicates would show here).</summary>
    public Dictionary<(int Host, RingId Subject), int> AppliedCount { get; } = [];

    public static RingId IdOf(int host) => NodeContextFor(host, 0, []).Id;

    private static NodeContext NodeContextFor(int host, ulong seed, IReadOnlyList<Address> peers) =>
        new(new Address((ulong)host), $"host-{host:D6}", seed, peers, NullLogger.Instance, new HostLocation(0, 0));

    /// <summary>Starts <paramref name="host"/> with the given table (pre-filled for a formed ring, empty to join).</summary>
    public void Start(int host, IRoutingTable table, Micros at, bool found = false)
    {
        _life[host]++;
        Nodes[host] = new D1htNode(NodeContextFor(host, Prng.Derive(1, (ulong)host * 7 + (ulong)_life[host]), Addresses), Options, table, this, found);
        Up[host] = true;
        Push(host, Input.Start(), at);
    }

    /// <summary>A formed ring of the given hosts, each at incarnation 1 (what their first boot will read).</summary>
    public void StartFormed(IEnumerable<int> hosts)
    {
        var members = hosts.ToArray();
        foreach (int h in members)
        {
            var t = new SortedRoutingTable();
            foreach (int m in members) t.Apply(new MembershipEvent(IdOf(m), Addresses[m], 1, true));
            Start(h, t, Now);
        }
    }

    public void Crash(int host)
    {
        Up[host] = false;
        Nodes[host] = null;
    }

    public void Lookup(int host, long id, RingId key) => Push(host, Input.Client(id, new LookupOp(key)), Now);

    public void RunFor(Micros span) => RunUntil(Now + span);

    public void RunUntil(Micros end)
    {
        while (_queue.TryPeek(out _, out var at) && at.Item1 <= end.Value)
        {
            var (host, life, input) = _queue.Dequeue();
            Now = new Micros(at.Item1);
            var node = Nodes[host];
            if (node is null || life != _life[host]) continue;
            if (input.Kind == InputKind.Received) Trace?.Invoke(Now, (int)input.From.Value, host, input.Message!);
            _effects.Clear();
            node.Step(Now, input, _effects);
            for (int i = 0; i < _effects.Count; i++) Carry(host, _effects[i]);
        }
        if (end > Now) Now = end; // a fault scheduled in the past happens now: time never runs backwards
    }

    private void Carry(int host, Effect e)
    {
        switch (e.Kind)
        {
            case EffectKind.Send:
                int to = (int)e.To.Value;
                var bytes = Codec.Encode(e.Message!);
                if (bytes.Length != e.Message!.Size()) throw new InvalidOperationException($"{e.Message.GetType().Name}.Size() is {e.Message.Size()} but encodes to {bytes.Length}");
                var decoded = Codec.Decode(bytes);
                if (!decoded.Ok) throw new InvalidOperationException($"{e.Message.GetType().Name} does not decode: {decoded.Error}");
                if (_rng.Chance(Loss) || Side is not null && Side[host] != Side[to]) return;
                Push(to, Input.Received(new Address((ulong)host), decoded.Message!), Now + Delay + new Micros(_rng.NextLong(Delay.Value / 5 + 1)));
                break;
            case EffectKind.SetTimer:
                Push(host, Input.TimerFired(e.Timer), Micros.Max(e.At, Now));
                break;
            case EffectKind.Disk:
                var op = e.Disk!;
                DiskResult result = op.Kind switch
                {
                    DiskOpKind.Read => new DiskResult(true, _disk.TryGetValue((host, op.File), out var d) ? d : null),
                    DiskOpKind.Write => Store(host, op),
                    _ => new DiskResult(true),
                };
                Push(host, Input.DiskDone(e.Id, result), Now + new Micros(100));
                break;
            case EffectKind.Reply:
                Replies.Add((host, e.Id, e.Result!));
                break;
            default:
                break;
        }
    }

    private DiskResult Store(int host, DiskOp op)
    {
        _disk[(host, op.File)] = op.Data!;
        return new DiskResult(true);
    }

    private void Push(int host, Input input, Micros at) => _queue.Enqueue((host, _life[host], input), (at.Value, ++_seq));

    public void Applied(Micros now, Address host, in MembershipEvent e, bool detected)
    {
        var k = ((int)host.Value, e.Id);
        AppliedCount[k] = AppliedCount.GetValueOrDefault(k) + 1;
    }

    /// <summary>The ids of the live members, sorted: what every converged table must hold.</summary>
    public RingId[] TrueMembers() => Enumerable.Range(0, Nodes.Length).Where(h => Nodes[h]?.IsMember == true).Select(IdOf).Order().ToArray();

    public static RingId[] LiveIds(IRoutingTable t) => Enumerable.Range(0, t.Count).Select(i => t.At(i).Id).ToArray();

    /// <summary>Hosts whose table differs from the true membership.</summary>
    public int[] Diverged()
    {
        var truth = TrueMembers();
        return Enumerable.Range(0, Nodes.Length).Where(h => Nodes[h]?.IsMember == true && !LiveIds(Nodes[h]!.Table).SequenceEqual(truth)).ToArray();
    }
}
