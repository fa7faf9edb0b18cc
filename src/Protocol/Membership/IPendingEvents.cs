using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership.Messages;

namespace VinzVault.Protocol.Membership;

/// <summary>An event to forward at the interval's end, with its TTL and when (by this host's clock) it was detected.</summary>
public readonly record struct PendingEvent(MembershipEvent Event, RingId Detector, int Ttl, Micros DetectedAt)
{
    /// <summary>The event as it goes out at <paramref name="now"/>, aged since its detection.</summary>
    public EdraEvent At(Micros now) => new(Event, Detector, EdraEvent.Centis(now - DetectedAt));
}

/// <summary>
/// One host's events to forward at the end of the current interval (D1htNode.Edra). The real runtime keeps its own
/// (<see cref="PendingEventList"/>); the simulator stores each distinct event and detector once for all its hosts,
/// while each host keeps its own TTL and detection time.
/// </summary>
public interface IPendingEvents
{
    int Count { get; }

    PendingEvent this[int i] { get; }

    void Add(in PendingEvent e);

    void Clear();
}
