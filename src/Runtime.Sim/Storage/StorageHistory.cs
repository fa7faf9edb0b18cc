using VinzVault.Protocol.Storage;

namespace VinzVault.Runtime.Sim.Storage;

/// <summary>One write of the history: a unique value written to one block of one VM's volume.</summary>
public sealed class WriteRecord(long value, int vm, long block, long invoke, Epoch epoch)
{
    public long Value { get; } = value;
    public int Vm { get; } = vm;
    public long Block { get; } = block;
    public long Invoke { get; } = invoke;
    /// <summary>The owner epoch the writing host held.</summary>
    public Epoch Epoch { get; } = epoch;
    /// <summary>When it was acknowledged; long.MaxValue while not (a failed or unanswered write may still have landed).</summary>
    public long Ack { get; internal set; } = long.MaxValue;
}

/// <summary>
/// One read of one block, with what the block's history looked like when it started: the latest invocation time
/// of a write acknowledged before it, and of a write returned by a read that completed before it.
/// </summary>
public sealed class ReadRecord(int vm, long block, long invoke, long maxAckedInvoke, long maxReadInvoke)
{
    public int Vm { get; } = vm;
    public long Block { get; } = block;
    public long Invoke { get; } = invoke;
    public long MaxAckedInvokeAtStart { get; } = maxAckedInvoke;
    public long MaxReadInvokeAtStart { get; } = maxReadInvoke;
    public long End { get; internal set; }
    public long Value { get; internal set; }
}

/// <summary>What a storage checker is told as the history grows.</summary>
public interface IStorageChecker
{
    void OnWriteAcked(WriteRecord w, long now) { }
    /// <summary><paramref name="returned"/> is the write whose value was read: null when no write of that block had that value.</summary>
    void OnRead(ReadRecord r, WriteRecord? returned) { }
    void OnTakeoverCompleted(int vm, Epoch epoch, long now) { }
    void OnEnd(long now) { }
}

/// <summary>
/// The model the checkers judge against: every write (value, block, invocation, acknowledgement) and every read.
/// The initial content of a block is value 0, written and acknowledged at time -1. Block keys are (vm, block).
/// </summary>
public sealed class StorageHistory
{
    private static readonly WriteRecord Initial = new(0, -1, -1, -1, default) { Ack = -1 };

    private readonly SortedDictionary<long, WriteRecord> _writes = [];
    private readonly SortedDictionary<(int, long), (long MaxAckedInvoke, long MaxReadInvoke)> _blocks = [];
    private readonly List<IStorageChecker> _checkers = [];
    private long _nextValue = 1;

    public void Add(IStorageChecker checker) => _checkers.Add(checker);

    public long WritesAcked { get; private set; }
    public long ReadsChecked { get; private set; }

    /// <summary>Blocks written at least once, per VM, for the final read-back.</summary>
    public IEnumerable<(int Vm, long Block)> WrittenBlocks => _blocks.Keys;

    public WriteRecord Write(int vm, long block, long now, Epoch epoch)
    {
        var w = new WriteRecord(_nextValue++, vm, block, now, epoch);
        _writes[w.Value] = w;
        if (!_blocks.ContainsKey((vm, block))) _blocks[(vm, block)] = (-1, -1);
        return w;
    }

    public void Acked(WriteRecord w, long now)
    {
        w.Ack = now;
        WritesAcked++;
        var b = _blocks[(w.Vm, w.Block)];
        _blocks[(w.Vm, w.Block)] = (Math.Max(b.MaxAckedInvoke, w.Invoke), b.MaxReadInvoke);
        foreach (var c in _checkers) c.OnWriteAcked(w, now);
    }

    public ReadRecord ReadStarted(int vm, long block, long now)
    {
        var b = _blocks.TryGetValue((vm, block), out var s) ? s : (-1, -1);
        return new ReadRecord(vm, block, now, b.Item1, b.Item2);
    }

    public void ReadReturned(ReadRecord r, long value, long now)
    {
        r.End = now;
        r.Value = value;
        ReadsChecked++;
        WriteRecord? w = value == 0 ? Initial : _writes.TryGetValue(value, out var x) && x.Vm == r.Vm && x.Block == r.Block ? x : null;
        if (w is not null && _blocks.TryGetValue((r.Vm, r.Block), out var b))
            _blocks[(r.Vm, r.Block)] = (b.MaxAckedInvoke, Math.Max(b.MaxReadInvoke, w.Invoke));
        foreach (var c in _checkers) c.OnRead(r, w);
    }

    public void TakeoverCompleted(int vm, Epoch epoch, long now)
    {
        foreach (var c in _checkers) c.OnTakeoverCompleted(vm, epoch, now);
    }

    public void End(long now)
    {
        foreach (var c in _checkers) c.OnEnd(now);
    }
}
