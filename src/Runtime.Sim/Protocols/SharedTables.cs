using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Membership.Messages;
using VinzVault.Runtime.Sim.Membership;

namespace VinzVault.Runtime.Sim.Protocols;

/// <summary>
/// Per-host tables in one <see cref="SharedTableSpace"/> (what lets 100,000 hosts each hold the full membership), and
/// per-host recent states and pending events over shared records (<see cref="SharedRecords{T}"/>).
/// </summary>
public sealed class SharedTables : ITableFactory
{
    private readonly SharedTableSpace _space;
    private readonly SharedRoutingTable?[] _byHost;
    private readonly SharedRecentStates?[] _recentByHost;
    private readonly SharedPendingEvents?[] _pendingByHost;

    public SharedTables(RingId[] ids, IReadOnlyList<Address> addresses, int formedHosts)
    {
        _space = new SharedTableSpace(ids, foldBatch: Math.Clamp(ids.Length / 256, 1, 256));
        _byHost = new SharedRoutingTable?[ids.Length];
        _recentByHost = new SharedRecentStates?[ids.Length];
        _pendingByHost = new SharedPendingEvents?[ids.Length];
        // The formed ring of time zero is the base itself; tables created empty mark it "not yet" entry by entry.
        for (int h = 0; h < formedHosts; h++) _space.Seed(new MembershipEvent(ids[h], addresses[h], 1, true));
    }

    public SharedTableSpace Space => _space;
    public SharedRecords<RecentState> RecentRecords { get; } = new();
    public SharedRecords<EdraEvent> PendingRecords { get; } = new();

    public IRoutingTable Create(int host, bool formed)
    {
        if (_byHost[host] is { } old) _space.Release(old);
        return _byHost[host] = _space.Create(empty: !formed);
    }

    public IRecentStates CreateRecentStates(int host)
    {
        _recentByHost[host]?.Release();
        return _recentByHost[host] = new SharedRecentStates(RecentRecords);
    }

    public IPendingEvents CreatePendingEvents(int host)
    {
        _pendingByHost[host]?.Clear();
        return _pendingByHost[host] = new SharedPendingEvents(PendingRecords);
    }

    public void Release(int host)
    {
        if (_byHost[host] is { } old) _space.Release(old);
        _byHost[host] = null;
        _recentByHost[host]?.Release();
        _recentByHost[host] = null;
        _pendingByHost[host]?.Clear();
        _pendingByHost[host] = null;
    }
}
