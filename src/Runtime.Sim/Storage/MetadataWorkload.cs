using VinzVault.Protocol.Core;
using VinzVault.Protocol.Node;
using VinzVault.Protocol.Storage;
using VinzVault.Runtime.Sim.Engine;
using VinzVault.Runtime.Sim.Storage.Checkers;

namespace VinzVault.Runtime.Sim.Storage;

/// <summary>
/// Administrators at random hosts (Poisson arrivals): info on the VMs' volumes, lists, and the life of a few
/// scratch volumes (create, grow, delete) racing each other. Every completed operation goes to the
/// <c>metadataLinearizable</c> checker; a list must name every VM volume whose create completed before it began.
/// </summary>
public sealed class MetadataWorkload : ISimObserver
{
    private const int Scratch = 4;
    private const long IdBase = 1L << 50;

    private sealed record Pending(ClientOp Op, string Key, long Start, string[] MustList);

    private readonly Simulator _sim;
    private readonly VmWorkload _vms;
    private readonly MetadataLinearizableChecker _checker;
    private readonly Prng _rng;
    private readonly double _rate;
    private readonly StorageSpec _spec;
    private readonly SortedDictionary<long, Pending> _pending = [];
    private long _nextId = IdBase;

    public MetadataWorkload(Simulator sim, StorageSpec spec, VmWorkload vms, MetadataLinearizableChecker checker)
    {
        _sim = sim;
        _spec = spec;
        _vms = vms;
        _checker = checker;
        _rng = new Prng(Prng.Derive(sim.Scenario.Seed, 78));
        _rate = spec.MetadataOpsPerSecond;
        if (_rate > 0) Schedule();
    }

    /// <summary>Operations refused for a reason a user caused (exists, does not exist, shrink).</summary>
    public long Refused { get; private set; }
    /// <summary>Operations that failed because the register could not be reached or stayed contended.</summary>
    public long Unavailable { get; private set; }

    private void Schedule()
    {
        var at = _sim.Now + Micros.FromSeconds(_rng.Exponential(1 / _rate));
        if (at < _spec.IoStop(_sim.Scenario.Duration)) _sim.At(at, Next);
    }

    private void Next()
    {
        Schedule();
        int host = _rng.Next(_sim.Hosts);
        if (!_sim.IsUp(host)) return;
        string scratch = $"scratch-{_rng.Next(Scratch)}";
        double u = _rng.NextDouble();
        (ClientOp op, string key) = u switch
        {
            < 0.35 => ((ClientOp)new InfoVolume(_vms.VolumeName(_rng.Next(_spec.Volumes))), ""),
            < 0.45 => (new ListVolumes(), ""),
            < 0.65 => (new CreateVolume(scratch, new VolumeGeometry(12, 16, 64, 3), PlacementPolicy.Anywhere), scratch),
            < 0.85 => (new ResizeVolume(scratch, 64 + 16 * (1 + _rng.Next(63))), scratch),
            _ => (new DeleteVolume(scratch), scratch),
        };
        if (op is InfoVolume info) key = info.Name;
        long id = _nextId++;
        _pending[id] = new Pending(op, key, _sim.Now.Value, op is ListVolumes ? [.. _vms.Created] : []);
        _sim.Submit(host, id, op, _sim.Now);
    }

    public void OnReply(long now, int host, long id, ClientResult result)
    {
        if (!_pending.Remove(id, out var p) || result is not MetadataResult r) return;
        if (!r.Ok)
        {
            if (r.Error?.StartsWith("the metadata register", StringComparison.Ordinal) == true) Unavailable++; else Refused++;
            return;
        }
        if (p.Op is ListVolumes)
        {
            var names = new SortedSet<string>(r.Names ?? [], StringComparer.Ordinal);
            var missing = p.MustList.FirstOrDefault(n => !names.Contains(n));
            _checker.ListCompleted(p.Start, now, missing);
            return;
        }
        // Operations sent to a host that then died get no answer; they may or may not have taken effect, which the
        // checker allows since it only constrains completed operations.
        if (r.Record is { } rec) _checker.Completed(p.Key, p.Start, now, rec.Version, rec.Digest(), changed: p.Op is not InfoVolume);
    }
}
