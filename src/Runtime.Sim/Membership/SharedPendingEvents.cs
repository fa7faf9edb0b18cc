using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Membership.Messages;

namespace VinzVault.Runtime.Sim.Membership;

/// <summary>
/// One host's pending events in <see cref="SharedRecords{T}"/>: its own array of a reference to the shared event and
/// detector (an <see cref="EdraEvent"/> of age zero) packed with its TTL, and its own detection time, as microseconds
/// from the first event's: 8 bytes an event, not 48. The array is sized to what an interval holds, where a list kept the
/// capacity of its busiest interval for good (an interval holds about 110-160 events at 100,000 hosts under churn:
/// 11-16 events/s, Theta 10 s).
/// </summary>
public sealed class SharedPendingEvents(SharedRecords<EdraEvent> log) : IPendingEvents
{
    private readonly record struct Entry(uint RecordAndTtl, int Detected);

    /// <summary>Shared record indices fit in 24 bits; TTLs are below 256 (the wire carries a byte).</summary>
    private const int MaxRecords = 1 << 24;

    private Entry[] _events = [];
    /// <summary>The first event's detection time, from which the others' are kept.</summary>
    private long _epoch;
    /// <summary>
    /// Full detection times, once an event was detected more than 35 minutes (2^31 us) from the first one, until the
    /// list is cleared.
    /// </summary>
    private long[]? _far;

    public int Count { get; private set; }

    public PendingEvent this[int i]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)i, (uint)Count, nameof(i));
            var p = _events[i];
            var e = log[(int)(p.RecordAndTtl >> 8)];
            return new PendingEvent(e.Event, e.Detector, (int)(p.RecordAndTtl & 0xFF), new Micros(_far?[i] ?? _epoch + p.Detected));
        }
    }

    public void Add(in PendingEvent e)
    {
        if ((uint)e.Ttl > byte.MaxValue) throw new ArgumentOutOfRangeException(nameof(e), e.Ttl, "a TTL is one byte");
        int record = log.Acquire(new EdraEvent(e.Event, e.Detector), e.Event.Id.Value ^ e.Event.Version << 40 ^ e.Detector.Value);
        if (record >= MaxRecords)
        {
            log.Release(record);
            throw new InvalidOperationException($"more than {MaxRecords} distinct pending events held at once");
        }
        if (Count == 0) _epoch = e.DetectedAt.Value;
        long delta = e.DetectedAt.Value - _epoch;
        if (_far is null && delta != (int)delta)
        {
            _far = new long[_events.Length];
            for (int i = 0; i < Count; i++) _far[i] = _epoch + _events[i].Detected;
        }
        if (Count == _events.Length)
        {
            int capacity = Math.Max(16, Count + Count / 4);
            Array.Resize(ref _events, capacity);
            if (_far is not null) Array.Resize(ref _far, capacity);
        }
        _events[Count] = new Entry((uint)record << 8 | (uint)e.Ttl, _far is null ? (int)delta : 0);
        if (_far is not null) _far[Count] = e.DetectedAt.Value;
        Count++;
    }

    /// <summary>Drops every reference (the interval ended, or the host is gone), and shrinks an array that is mostly spare.</summary>
    public void Clear()
    {
        for (int i = 0; i < Count; i++) log.Release((int)(_events[i].RecordAndTtl >> 8));
        if (_events.Length > 16 && Count * 2 < _events.Length) _events = new Entry[Math.Max(16, Count + Count / 4)];
        _far = null;
        Count = 0;
    }
}
