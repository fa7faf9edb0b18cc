using System.Buffers.Binary;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Node;
using VinzVault.Protocol.Storage;
using VinzVault.Runtime.Sim.Engine;
using VinzVault.Runtime.Sim.Storage.Checkers;

namespace VinzVault.Runtime.Sim.Storage;

/// <summary>
/// Simulated VMs and the cluster manager around them: each VM owns a volume on one host and does block I/O (Poisson
/// arrivals, bounded queue depth); the manager attaches VMs, migrates some (planned release, then attach elsewhere),
/// forces takeovers (optionally leaving the old owner writing as a zombie) and re-attaches a VM elsewhere when its
/// host dies. Every write carries a unique value in its first 8 bytes; every operation goes into the history.
/// When I/O stops, every block ever written is read back once.
/// </summary>
public sealed class VmWorkload : ISimObserver, IStorageObserver
{
    private enum Kind : byte { Create, Attach, Detach, Write, Read, ZombieWrite }

    private sealed class Vm(int index, VolumeSpec spec)
    {
        public readonly int Index = index;
        public readonly VolumeSpec Spec = spec;
        public int Owner = -1, Zombie = -1, Outstanding;
        public Epoch Epoch, ZombieEpoch;
        public bool Attached, Moving, Verified;
    }

    private sealed record Pending(Kind Kind, Vm Vm, int Host, long Start, WriteRecord? Write = null, ReadRecord? Read = null, bool Takeover = false);

    private readonly Simulator _sim;
    private readonly StorageSpec _spec;
    private readonly StorageHistory _history;
    private readonly Prng _rng;
    private readonly Vm[] _vms;
    private readonly SortedDictionary<long, Pending> _pending = [];
    private readonly long _ioStop;
    private long _nextId = 1, _repairBytesSampled;

    private readonly MetadataLinearizableChecker _metadata;
    private readonly SortedSet<string> _created = new(StringComparer.Ordinal);

    public VmWorkload(Simulator sim, StorageSpec spec, StorageHistory history, MetadataLinearizableChecker metadata)
    {
        _sim = sim;
        _metadata = metadata;
        _spec = spec;
        _history = history;
        _rng = new Prng(Prng.Derive(sim.Scenario.Seed, 77));
        _ioStop = spec.IoStop(sim.Scenario.Duration).Value;
        var policy = ParsePolicy(spec);
        int n = policy.PerDatacenter is { } per ? per.Sum() : spec.Replicas;
        var geometry = new VolumeGeometry(System.Numerics.BitOperations.Log2((uint)spec.BlockSize), spec.ChunkBlocks, spec.VolumeBlocks, n);
        if (geometry.Validate() is { } bad) throw new ArgumentException($"storage options: {bad}");
        _vms = [.. Enumerable.Range(0, spec.Volumes).Select(i => new Vm(i, new VolumeSpec($"vm-{i:D5}", geometry, policy)))];
        foreach (var vm in _vms)
        {
            sim.At(Micros.FromMillis(100), () => Create(vm));
            ScheduleArrival(vm, Micros.FromMillis(200).Value);
        }
        if (spec.Migrations > 0) sim.At(spec.MigrateAt, () => Migrate(spec.Migrations));
        if (spec.Takeovers > 0) sim.At(spec.TakeoverAt, () => ForceTakeovers(spec.Takeovers));
        sim.At(new Micros(_ioStop + 2_000_000), VerifyAll);
    }

    public IoStats Reads { get; } = new();
    public IoStats Writes { get; } = new();
    /// <summary>How long asynchronous replicas trail the owner's writes (latency field only).</summary>
    public IoStats AsyncLag { get; } = new();
    /// <summary>Bytes of chunk syncs: read requests, replies and write-backs (see <see cref="IStorageObserver.RepairTraffic"/>).</summary>
    public long RepairBytes { get; private set; }
    /// <summary>Chunk replicas replaced (each ends with the owner telling the replaced host to drop its copy).</summary>
    public long ReplicasReplaced { get; private set; }
    public long ReplicasRebalanced { get; private set; }
    public int Migrations { get; private set; }
    public int Takeovers { get; private set; }
    public int Failovers { get; private set; }
    public long ZombieWritesRefused { get; private set; }

    private static PlacementPolicy ParsePolicy(StorageSpec spec)
    {
        static int[]? Ints(string s) => s.Length == 0 ? null : [.. s.Split(',').Select(x => int.Parse(x.Trim(), System.Globalization.CultureInfo.InvariantCulture))];
        return new PlacementPolicy(Ints(spec.Placement), Ints(spec.AsyncDatacenters));
    }

    /// <summary>Chunks of a VM's volume not fully replicated by its owner's knowledge; -1 without a live attached owner.</summary>
    public int UnderReplicated(int vm)
    {
        var v = _vms[vm];
        if (!v.Attached || v.Owner < 0 || !_sim.IsUp(v.Owner) || _sim.NodeOf<StorageNode>(v.Owner) is not { } node) return -1;
        return node.UnderReplicatedChunks(v.Spec.Name);
    }

    /// <summary>The owner's account of a VM's under-replicated chunks, with whether each lagging replica's host is up.</summary>
    public string DescribeUnderReplicated(int vm)
    {
        var v = _vms[vm];
        if (v.Owner < 0 || _sim.NodeOf<StorageNode>(v.Owner) is not { } node) return "no owner";
        string text = node.DescribeUnderReplicated(v.Spec.Name);
        for (int h = 0; h < _sim.Hosts; h++)
            text = text.Replace($"{_sim.Addresses[h]} (", $"{_sim.Addresses[h]} [{(_sim.IsLost(h) ? "lost" : _sim.IsUp(h) ? "up" : "down")}] (", StringComparison.Ordinal);
        return text;
    }

    private int PickHost(int not)
    {
        for (int tries = 0; tries < 1000; tries++)
        {
            int h = _rng.Next(_sim.Hosts);
            if (h != not && _sim.IsUp(h)) return h;
        }
        return -1;
    }

    private long Submit(int host, Pending p, ClientOp op)
    {
        long id = _nextId++;
        _pending[id] = p;
        _sim.Submit(host, id, op, _sim.Now);
        return id;
    }

    /// <summary>Volumes whose create was acknowledged (a list invoked afterwards must name them).</summary>
    public IReadOnlyCollection<string> Created => _created;

    /// <summary>The VMs' volumes.</summary>
    public IEnumerable<VolumeSpec> Volumes => _vms.Select(v => v.Spec);

    /// <summary>Volume names of the VMs (for the metadata workload's reads).</summary>
    public string VolumeName(int vm) => _vms[vm].Spec.Name;

    private void Create(Vm vm)
    {
        int host = PickHost(-1);
        if (host < 0) { _sim.At(_sim.Now + Micros.FromSeconds(1), () => Create(vm)); return; }
        vm.Moving = true;
        Submit(host, new Pending(Kind.Create, vm, host, _sim.Now.Value), new CreateVolume(vm.Spec.Name, vm.Spec.Geometry, vm.Spec.Policy));
    }

    /// <summary>The VM starts on <paramref name="host"/>; <paramref name="takeover"/>: its previous owner may still be running (the history then expects fencing).</summary>
    private void AttachAt(Vm vm, int host, bool takeover)
    {
        if (host < 0) { _sim.At(_sim.Now + Micros.FromSeconds(1), () => AttachAt(vm, PickHost(-1), takeover)); return; }
        // A zombie instance of the VM on this host is replaced, not left writing at its old epoch.
        if (vm.Zombie == host) vm.Zombie = -1;
        vm.Owner = host;
        vm.Attached = false;
        vm.Moving = true;
        Submit(host, new Pending(Kind.Attach, vm, host, _sim.Now.Value, Takeover: takeover), new AttachVolume(vm.Spec.Name));
    }

    private void ScheduleArrival(Vm vm, long after)
    {
        if (_spec.IopsPerVolume <= 0) return;
        long at = after + (long)(_rng.Exponential(1e6 / _spec.IopsPerVolume));
        if (at >= _ioStop) return;
        _sim.At(new Micros(at), () => Arrival(vm));
    }

    private void Arrival(Vm vm)
    {
        ScheduleArrival(vm, _sim.Now.Value);
        if (!vm.Attached || vm.Moving || vm.Outstanding >= _spec.QueueDepth) return;
        long block = _rng.Next(_spec.VolumeBlocks);
        vm.Outstanding++;
        if (_rng.Chance(_spec.ReadFraction)) IssueRead(vm, block);
        else IssueWrite(vm, vm.Owner, vm.Epoch, block, Kind.Write);
    }

    private void IssueRead(Vm vm, long block)
    {
        var r = _history.ReadStarted(vm.Index, block, _sim.Now.Value);
        Submit(vm.Owner, new Pending(Kind.Read, vm, vm.Owner, _sim.Now.Value, Read: r), new ReadVolume(vm.Spec.Name, block * _spec.BlockSize, _spec.BlockSize));
    }

    private void IssueWrite(Vm vm, int host, Epoch epoch, long block, Kind kind)
    {
        var w = _history.Write(vm.Index, block, _sim.Now.Value, epoch);
        var data = new byte[_spec.BlockSize];
        BinaryPrimitives.WriteInt64LittleEndian(data, w.Value);
        Submit(host, new Pending(kind, vm, host, _sim.Now.Value, Write: w), new WriteVolume(vm.Spec.Name, block * _spec.BlockSize, data));
    }

    private void ZombieArrival(Vm vm)
    {
        if (vm.Zombie < 0 || !_sim.IsUp(vm.Zombie) || _sim.Now.Value >= _ioStop) return;
        IssueWrite(vm, vm.Zombie, vm.ZombieEpoch, _rng.Next(_spec.VolumeBlocks), Kind.ZombieWrite);
        _sim.At(_sim.Now + new Micros((long)_rng.Exponential(1e6 / Math.Max(1, _spec.IopsPerVolume))), () => ZombieArrival(vm));
    }

    private IEnumerable<Vm> PickAttached(int count)
    {
        var chosen = new List<Vm>();
        var candidates = _vms.Where(v => v.Attached && !v.Moving).ToList();
        while (chosen.Count < count && candidates.Count > 0)
        {
            int i = _rng.Next(candidates.Count);
            chosen.Add(candidates[i]);
            candidates.RemoveAt(i);
        }
        return chosen;
    }

    private void Migrate(int count)
    {
        foreach (var vm in PickAttached(count))
        {
            vm.Moving = true;
            Submit(vm.Owner, new Pending(Kind.Detach, vm, vm.Owner, _sim.Now.Value), new DetachVolume(vm.Spec.Name));
        }
    }

    private void ForceTakeovers(int count)
    {
        foreach (var vm in PickAttached(count))
        {
            Takeovers++;
            if (_spec.ZombieOwner)
            {
                vm.Zombie = vm.Owner;
                vm.ZombieEpoch = vm.Epoch;
                ZombieArrival(vm);
            }
            AttachAt(vm, PickHost(vm.Owner), takeover: true);
        }
    }

    private void VerifyAll()
    {
        foreach (var vm in _vms) Verify(vm);
    }

    private void Verify(Vm vm)
    {
        if (vm.Verified) return;
        if (!vm.Attached || vm.Moving) { _sim.At(_sim.Now + Micros.FromSeconds(1), () => Verify(vm)); return; }
        vm.Verified = true;
        foreach (var (v, block) in _history.WrittenBlocks)
            if (v == vm.Index) IssueRead(vm, block);
    }

    public void OnReply(long now, int host, long id, ClientResult result)
    {
        if (!_pending.Remove(id, out var p)) return;
        var vm = p.Vm;
        if (result is MetadataResult m && p.Kind == Kind.Create)
        {
            if (m.Ok && m.Record is { } rec)
            {
                _created.Add(vm.Spec.Name);
                _metadata.Completed(vm.Spec.Name, p.Start, now, rec.Version, rec.Digest(), changed: true);
            }
            if (m.Ok || m.Error?.Contains("already exists", StringComparison.Ordinal) == true) AttachAt(vm, PickHost(-1), takeover: false);
            else _sim.At(_sim.Now + Micros.FromSeconds(1), () => Create(vm));
            return;
        }
        if (result is not VolumeResult r) return;
        switch (p.Kind)
        {
            case Kind.Attach:
                if (vm.Owner != host) return;
                if (r.Ok)
                {
                    vm.Attached = true;
                    vm.Moving = false;
                    vm.Epoch = r.Epoch;
                    if (p.Takeover) _history.TakeoverCompleted(vm.Index, vm.Epoch, now);
                }
                else _sim.At(_sim.Now + Micros.FromSeconds(1), () => AttachAt(vm, PickHost(-1), takeover: true));
                break;
            case Kind.Detach:
                if (vm.Owner != host) return;
                Migrations++;
                AttachAt(vm, PickHost(host), takeover: !r.Ok);
                break;
            case Kind.Write:
                vm.Outstanding = Math.Max(0, vm.Outstanding - 1);
                if (!r.Ok) return;
                _history.Acked(p.Write!, now);
                Writes.Add(now - p.Start, r.RoundTrips);
                break;
            case Kind.ZombieWrite:
                if (r.Ok) _history.Acked(p.Write!, now);
                else if (r.Fenced) ZombieWritesRefused++;
                break;
            default:
                vm.Outstanding = Math.Max(0, vm.Outstanding - 1);
                if (!r.Ok || r.Data is not { } data || data.Length < 8) return;
                _history.ReadReturned(p.Read!, BinaryPrimitives.ReadInt64LittleEndian(data), now);
                Reads.Add(now - p.Start, r.RoundTrips);
                break;
        }
    }

    public void OnHostDown(long now, int host, bool permanent)
    {
        // Requests to a dead host get no answer: their writes stay possibly-applied in the history.
        foreach (var (id, p) in _pending.Where(kv => kv.Value.Host == host).ToList())
        {
            _pending.Remove(id);
            if (p.Kind is Kind.Write or Kind.Read) p.Vm.Outstanding = Math.Max(0, p.Vm.Outstanding - 1);
            if (p.Kind == Kind.Create) _sim.At(new Micros(now) + Micros.FromSeconds(1), () => Create(p.Vm));
        }
        foreach (var vm in _vms)
        {
            if (vm.Zombie == host) vm.Zombie = -1;
            if (vm.Owner != host) continue;
            vm.Attached = false;
            vm.Moving = true;
            vm.Owner = -1;
            Failovers++;
            _sim.At(new Micros(now) + _spec.FailoverDelay, () => AttachAt(vm, PickHost(host), takeover: true));
        }
    }

    public void OnSample(long now, Metrics metrics)
    {
        double t = now / 1e6;
        metrics.Add("read p99", "us", t, Reads.TakeWindowP99(), "I/O latency p99");
        metrics.Add("write p99", "us", t, Writes.TakeWindowP99(), "I/O latency p99");
        int under = 0;
        for (int vm = 0; vm < _vms.Length; vm++) under += Math.Max(0, UnderReplicated(vm));
        metrics.Add("under-replicated chunks", "chunks", t, under, "Under-replicated chunks");
        metrics.Add("repair bytes/s", "B/s", t, (RepairBytes - _repairBytesSampled) / _sim.Scenario.SampleInterval.Seconds, "Repair traffic");
        _repairBytesSampled = RepairBytes;
        int toRebalance = ChunksToRebalance();
        if (toRebalance > 0 || ReplicasRebalanced > 0) metrics.Add("chunks to rebalance", "chunks", t, toRebalance, "Rebalancing onto joined hosts");
        if (AsyncLag.Count > 0) metrics.Add("async lag p99", "us", t, AsyncLag.TakeWindowP99(), "Async replica lag p99");
    }

    public void AsyncReplicaCaughtUp(Micros lag) => AsyncLag.Add(lag.Value, 1);

    public void ReplicaReplaced(bool rebalanced)
    {
        if (rebalanced) ReplicasRebalanced++;
        else ReplicasReplaced++;
    }

    /// <summary>Chunks whose owner's live view places them on a joined host they are not on yet (0 when nobody has a view).</summary>
    public int ChunksToRebalance()
    {
        int n = 0;
        foreach (var v in _vms)
            if (v.Attached && v.Owner >= 0 && _sim.IsUp(v.Owner) && _sim.NodeOf<StorageNode>(v.Owner) is { } node) n += node.ChunksToRebalance(v.Spec.Name);
        return n;
    }

    public void RepairTraffic(long bytes) => RepairBytes += bytes;

    public void OnEnd(long now) => _history.End(now);
}
