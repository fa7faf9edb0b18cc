using VinzVault.Protocol.Core;
using VinzVault.Protocol.Node;
using VinzVault.Runtime.Sim.Engine;
using VinzVault.Runtime.Sim.Scenarios;

namespace VinzVault.Runtime.Sim.Disk;

/// <summary>
/// One host's disk: files of bytes, a single FIFO queue (so a Sync completes after the writes issued
/// before it), and a durable image that only Sync updates. A crash rebuilds the visible files from
/// the durable image plus whatever unsynced writes survive (kept, torn to a prefix, or lost).
/// </summary>
internal sealed class SimDisk
{
    private readonly Dictionary<ulong, byte[]> _current = [];
    private readonly Dictionary<ulong, byte[]> _durable = [];
    private readonly List<(ulong File, long Offset, byte[] Data)> _unsynced = [];
    private long _busyUntil;

    /// <summary>Bytes held in the visible image (for memory accounting and tests).</summary>
    public long Bytes { get; private set; }

    /// <summary>Whether the visible image has a non-empty file (for checkers).</summary>
    public bool Has(ulong file) => _current.TryGetValue(file, out var f) && f.Length > 0;

    /// <summary>The non-empty files of the visible image, in no particular order (for checkers).</summary>
    public IEnumerable<ulong> Files => _current.Where(kv => kv.Value.Length > 0).Select(kv => kv.Key);

    /// <summary>When an operation issued now completes, and whether it fails.</summary>
    public (long At, bool Fail) Schedule(DiskOp op, long now, DiskSpec spec, Prng rng, FaultCounters faults)
    {
        long latency = op.Kind switch
        {
            DiskOpKind.Read => spec.ReadLatency.Value,
            DiskOpKind.Sync => spec.SyncLatency.Value,
            _ => spec.WriteLatency.Value,
        };
        if (spec.DelayRate > 0 && rng.Chance(spec.DelayRate)) { latency *= 10; faults.DiskDelays++; }
        bool fail = spec.FailRate > 0 && rng.Chance(spec.FailRate);
        if (fail) faults.DiskErrors++;
        _busyUntil = Math.Max(_busyUntil, now) + Math.Max(1, latency);
        return (_busyUntil, fail);
    }

    /// <summary>Carries out an operation at its completion time.</summary>
    public DiskResult Complete(DiskOp op, bool fail)
    {
        if (fail) return new DiskResult(false, null, $"simulated I/O error on file {op.File}");
        switch (op.Kind)
        {
            case DiskOpKind.Read:
                if (!_current.TryGetValue(op.File, out var f) || op.Offset >= f.Length) return new DiskResult(true, []);
                int n = (int)Math.Min(op.Length, f.Length - op.Offset);
                return new DiskResult(true, f.AsSpan((int)op.Offset, n).ToArray());
            case DiskOpKind.Write:
                var data = op.Data ?? [];
                Apply(_current, op.File, op.Offset, data, data.Length, updateBytes: true);
                _unsynced.Add((op.File, op.Offset, data));
                return new DiskResult(true);
            case DiskOpKind.Sync:
                // The visible file is the durable one plus its unsynced writes in order, so replaying them is the
                // same as copying the file, at the cost of the writes rather than of the whole file.
                foreach (var (file, offset, written) in _unsynced)
                    if (file == op.File) Apply(_durable, file, offset, written, written.Length, updateBytes: false);
                _unsynced.RemoveAll(w => w.File == op.File);
                return new DiskResult(true);
            case DiskOpKind.Delete:
                if (_current.Remove(op.File, out var gone)) Bytes -= gone.Length;
                // Deleting is a metadata change; we treat it as durable at once, like unlink + dir fsync.
                _durable.Remove(op.File);
                _unsynced.RemoveAll(w => w.File == op.File);
                return new DiskResult(true);
            default:
                return new DiskResult(false, null, "unknown disk operation");
        }
    }

    /// <summary>The host crashed: pending operations are gone, unsynced writes survive only by chance.</summary>
    public void Crash(DiskSpec spec, Prng rng, FaultCounters faults)
    {
        foreach (var (file, offset, data) in _unsynced)
        {
            if (rng.Chance(spec.LoseUnsyncedOnCrash)) { faults.UnsyncedWritesLost++; continue; }
            int len = data.Length;
            if (len > 1 && rng.Chance(spec.TearOnCrash)) { len = 1 + rng.Next(len - 1); faults.TornWrites++; }
            Apply(_durable, file, offset, data, len, updateBytes: false);
        }
        _unsynced.Clear();
        _current.Clear();
        Bytes = 0;
        foreach (var (k, v) in _durable) { _current[k] = (byte[])v.Clone(); Bytes += v.Length; }
        _busyUntil = 0;
    }

    /// <summary>The disk is gone (permanent host loss).</summary>
    public void Wipe()
    {
        _current.Clear(); _durable.Clear(); _unsynced.Clear(); Bytes = 0; _busyUntil = 0;
    }

    private void Apply(Dictionary<ulong, byte[]> files, ulong file, long offset, byte[] data, int len, bool updateBytes)
    {
        files.TryGetValue(file, out var f);
        f ??= [];
        long end = offset + len;
        if (end > f.Length)
        {
            if (updateBytes) Bytes += end - f.Length;
            Array.Resize(ref f, (int)end);
        }
        data.AsSpan(0, len).CopyTo(f.AsSpan((int)offset));
        files[file] = f;
    }
}
