namespace VinzVault.Runtime.Sim.Engine;

public enum EventType : byte { Start, Deliver, Timer, DiskDone, Client, Action }

/// <summary>
/// One scheduled simulator event. A struct so the queue holds events inline; ordering is (Time, Seq),
/// Seq being the order of scheduling, which makes every run with one seed replay exactly.
/// </summary>
internal struct SimEvent
{
    public long Time;
    public long Seq;
    public int Host;
    public int Life;
    public EventType Type;
    public long Aux;
    public ulong From;
    public object? Payload;
}

/// <summary>
/// The simulator's event queue, ordered by (Time, Seq). A timing wheel of fixed-width buckets covers the
/// near future; only the current bucket's events sit in a (small, cache-friendly) heap, and events beyond
/// the wheel's horizon wait in a second heap. Pushing into a future bucket is an append.
/// </summary>
internal sealed class EventQueue
{
    private const int Buckets = 1 << 15;
    private readonly long _width;
    private readonly SimEvent[]?[] _wheel = new SimEvent[Buckets][];
    private readonly int[] _fill = new int[Buckets];
    private readonly ulong[] _occupied = new ulong[Buckets / 64];
    private readonly EventHeap _near = new();
    private readonly EventHeap _far = new();
    private long _inWheel;
    private long _curStart;
    private long _seq;

    /// <param name="bucketWidth">
    /// Microseconds per bucket. 100 us keeps the near heap small at 100,000 hosts; with 32,768 buckets the
    /// horizon is about 3.3 s, past most protocol timers, so few events take the far heap.
    /// </param>
    public EventQueue(long bucketWidth = 100)
    {
        _width = bucketWidth;
    }

    public long Count => _near.Count + _far.Count + _inWheel;

    public void Push(ref SimEvent e)
    {
        e.Seq = _seq++;
        long nearEnd = _curStart + _width;
        if (e.Time < nearEnd) { _near.Push(ref e); return; }
        if (e.Time >= _curStart + Buckets * _width) { _far.Push(ref e); return; }
        int b = (int)(e.Time / _width % Buckets);
        ref var bucket = ref _wheel[b];
        if (bucket is null) bucket = new SimEvent[8];
        else if (_fill[b] == bucket.Length) Array.Resize(ref bucket, bucket.Length * 2);
        bucket[_fill[b]++] = e;
        _occupied[b >> 6] |= 1UL << b;
        _inWheel++;
    }

    public long PeekTime
    {
        get { Advance(); return _near.PeekTime; }
    }

    public SimEvent Pop()
    {
        Advance();
        return _near.Pop();
    }

    /// <summary>Moves the wheel forward until the near heap holds the earliest events, skipping empty buckets by bitmap.</summary>
    private void Advance()
    {
        while (_near.Count == 0)
        {
            long next = long.MaxValue;
            if (_inWheel > 0)
            {
                int from = (int)((_curStart / _width + 1) % Buckets);
                int b = NextOccupied(from);
                next = _curStart + _width * (1 + (b - from + Buckets) % Buckets);
            }
            // Far events are never earlier than the window after the current one (they are pulled in as their window opens).
            if (_far.Count > 0) next = Math.Min(next, _far.PeekTime / _width * _width);
            if (next == long.MaxValue) return;
            _curStart = next;
            long nearEnd = _curStart + _width;
            int idx = (int)(_curStart / _width % Buckets);
            if (_fill[idx] > 0)
            {
                var bucket = _wheel[idx]!;
                for (int i = 0; i < _fill[idx]; i++) _near.Push(ref bucket[i]);
                _inWheel -= _fill[idx];
                Array.Clear(bucket, 0, _fill[idx]);
                _fill[idx] = 0;
                _occupied[idx >> 6] &= ~(1UL << idx);
            }
            while (_far.Count > 0 && _far.PeekTime < nearEnd)
            {
                var e = _far.Pop();
                _near.Push(ref e);
            }
        }
    }

    /// <summary>The first occupied bucket at or after <paramref name="from"/>, wrapping; the wheel must hold an event.</summary>
    private int NextOccupied(int from)
    {
        int word = from >> 6;
        ulong bits = _occupied[word] & (ulong.MaxValue << (from & 63));
        for (int n = 0; n <= _occupied.Length; n++)
        {
            if (bits != 0) return (word << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits);
            word = (word + 1) % _occupied.Length;
            bits = _occupied[word];
        }
        throw new InvalidOperationException("event wheel bitmap out of step with its count");
    }
}

/// <summary>A 4-ary min-heap of <see cref="SimEvent"/> keyed by (Time, Seq): shallower than a binary heap, so fewer cache misses.</summary>
internal sealed class EventHeap
{
    private SimEvent[] _heap = new SimEvent[1024];
    private int _count;

    public int Count => _count;

    public void Push(ref SimEvent e)
    {
        if (_count == _heap.Length) Array.Resize(ref _heap, _heap.Length * 2);
        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 2;
            if (!Less(ref e, ref _heap[parent])) break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = e;
    }

    public long PeekTime => _heap[0].Time;

    public SimEvent Pop()
    {
        var top = _heap[0];
        var last = _heap[--_count];
        _heap[_count] = default;
        if (_count > 0) SiftDown(ref last);
        return top;
    }

    private void SiftDown(ref SimEvent e)
    {
        int i = 0;
        while (true)
        {
            int first = (i << 2) + 1;
            if (first >= _count) break;
            int best = first;
            int end = Math.Min(first + 4, _count);
            for (int c = first + 1; c < end; c++)
                if (Less(ref _heap[c], ref _heap[best])) best = c;
            if (!Less(ref _heap[best], ref e)) break;
            _heap[i] = _heap[best];
            i = best;
        }
        _heap[i] = e;
    }

    private static bool Less(ref SimEvent a, ref SimEvent b) => a.Time < b.Time || (a.Time == b.Time && a.Seq < b.Seq);
}
