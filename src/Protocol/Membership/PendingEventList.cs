namespace VinzVault.Protocol.Membership;

/// <summary>The real runtime's pending events: the records themselves, in a list.</summary>
public sealed class PendingEventList : IPendingEvents
{
    private readonly List<PendingEvent> _events = [];

    public int Count => _events.Count;

    public PendingEvent this[int i] => _events[i];

    public void Add(in PendingEvent e) => _events.Add(e);

    public void Clear() => _events.Clear();
}
