using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Membership.Messages;

namespace VinzVault.Runtime.Sim.Membership;

/// <summary>
/// One host's pending events in <see cref="SharedRecords{T}"/>: its own list of a reference to the shared event and
/// detector (an <see cref="EdraEvent"/> of age zero), with its own TTL and detection time. 16 bytes an event, not 48.
/// </summary>
public sealed class SharedPendingEvents(SharedRecords<EdraEvent> log) : IPendingEvents
{
    private readonly List<(int Slot, int Ttl, Micros DetectedAt)> _events = [];

    public int Count => _events.Count;

    public PendingEvent this[int i]
    {
        get
        {
            var (slot, ttl, detectedAt) = _events[i];
            var e = log[slot];
            return new PendingEvent(e.Event, e.Detector, ttl, detectedAt);
        }
    }

    public void Add(in PendingEvent e) => _events.Add((log.Acquire(new EdraEvent(e.Event, e.Detector), e.Event.Id.Value ^ e.Event.Version << 40 ^ e.Detector.Value), e.Ttl, e.DetectedAt));

    /// <summary>Drops every reference (the interval ended, or the host is gone).</summary>
    public void Clear()
    {
        foreach (var (slot, _, _) in _events) log.Release(slot);
        _events.Clear();
    }
}
