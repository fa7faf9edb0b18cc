using VinzVault.Protocol.Core;
using VinzVault.Runtime.Sim.Checkers;

namespace VinzVault.Runtime.Sim.Storage.Checkers;

/// <summary>
/// <c>metadataLinearizable</c>: every completed register operation reports the record's version and a digest of
/// its value. Because every change bumps the version by one, a linearizable register shows: one value per
/// version (two values at one version are a fork, e.g. two changes both built on the same predecessor: a lost
/// update), and real-time order (an operation invoked after another completed never sees an older version; a
/// change then makes a strictly newer one).
/// </summary>
public sealed class MetadataLinearizableChecker(Invariant invariant)
{
    private readonly record struct Op(long Invoke, long Complete, long Version, ulong Digest, bool Changed);

    private readonly SortedDictionary<string, List<Op>> _ops = new(StringComparer.Ordinal);

    public long Operations { get; private set; }
    public long Violations => invariant.Violations;

    /// <summary>An operation on <paramref name="key"/> completed, having seen (or made, when <paramref name="changed"/>) this version and value.</summary>
    public void Completed(string key, long invoke, long complete, long version, ulong digest, bool changed)
    {
        Operations++;
        if (!_ops.TryGetValue(key, out var ops)) _ops[key] = ops = [];
        var op = new Op(invoke, complete, version, digest, changed);
        string? violation = null;
        foreach (var o in ops)
        {
            if (o.Version == op.Version && o.Digest != op.Digest)
                violation = $"{key}: two values at version {op.Version} (completed at {new Micros(o.Complete)} and {new Micros(complete)})";
            else if (o.Version == op.Version && o.Changed && op.Changed)
                violation = $"{key}: two changes both committed version {op.Version}";
            else if (o.Complete < invoke && o.Version > op.Version)
                violation = $"{key}: an operation invoked at {new Micros(invoke)} saw version {op.Version}, older than version {o.Version} completed at {new Micros(o.Complete)}";
            else if (o.Complete < invoke && op.Changed && o.Version >= op.Version)
                violation = $"{key}: a change invoked at {new Micros(invoke)} made version {op.Version}, not newer than version {o.Version} completed at {new Micros(o.Complete)}";
            if (violation is not null) break;
        }
        invariant.Check(violation is null, () => violation!);
        ops.Add(op);
    }

    /// <summary>A list completed; <paramref name="missing"/> names a volume whose create completed before the list began but is absent from it.</summary>
    public void ListCompleted(long invoke, long complete, string? missing)
    {
        Operations++;
        invariant.Check(missing is null, () => $"a list invoked at {new Micros(invoke)} and completed at {new Micros(complete)} misses volume {missing}, created before it began");
    }
}
