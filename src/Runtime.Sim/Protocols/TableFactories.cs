using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;

namespace VinzVault.Runtime.Sim.Protocols;

/// <summary>
/// Makes each simulated host's routing table (a formed one lists the first <c>formedHosts</c> hosts at incarnation 1)
/// and its recent states and pending events.
/// </summary>
public interface ITableFactory
{
    IRoutingTable Create(int host, bool formed);
    IRecentStates CreateRecentStates(int host);
    IPendingEvents CreatePendingEvents(int host);
    /// <summary>The host went down: its table, recent states and pending events take no further part (their memory may be reclaimed).</summary>
    void Release(int host);
}

/// <summary>One <see cref="SortedRoutingTable"/> per host, as the real runtime has: exact and simple, n^2 memory.</summary>
public sealed class SortedTables(RingId[] ids, IReadOnlyList<Address> addresses, int formedHosts) : ITableFactory
{
    /// <summary>Above this many hosts the n^2 tables would not fit comfortably; the shared representation takes over.</summary>
    public const int MaxHosts = 2048;

    public IRoutingTable Create(int host, bool formed)
    {
        var t = new SortedRoutingTable();
        if (formed)
            for (int h = 0; h < formedHosts; h++) t.Apply(new MembershipEvent(ids[h], addresses[h], 1, true));
        return t;
    }

    public IRecentStates CreateRecentStates(int host) => new RecentStateQueue();

    public IPendingEvents CreatePendingEvents(int host) => new PendingEventList();

    public void Release(int host) { }
}
