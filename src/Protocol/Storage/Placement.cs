using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Node;

namespace VinzVault.Protocol.Storage;

/// <summary>
/// Where each member sits (datacenter, rack). Supplied by the runtime from its configuration (the simulator's
/// topology; a real host's rack map), since D1HT membership events carry only id, address and incarnation.
/// </summary>
public interface IHostLocations
{
    HostLocation Of(Address host);

    /// <summary>Datacenters of the deployment (locations' datacenter numbers are below this).</summary>
    int Datacenters { get; }
}

/// <summary>
/// How many replicas go to which datacenter. Null <see cref="PerDatacenter"/> means "N anywhere". Replicas in
/// datacenters listed in <see cref="AsyncDatacenters"/> are updated in the background and never count toward a quorum.
/// </summary>
public sealed record PlacementPolicy(IReadOnlyList<int>? PerDatacenter = null, IReadOnlyList<int>? AsyncDatacenters = null)
{
    public static readonly PlacementPolicy Anywhere = new();

    public bool IsAsync(int datacenter) => AsyncDatacenters is { } a && a.Contains(datacenter);
}

/// <summary>
/// Chunk placement: the first N distinct hosts from hash(volume, chunk) walking the ring that satisfy the policy,
/// on distinct racks where possible. When a datacenter has too few members for its count (it is down, or small),
/// the rest go to other datacenters, so a chunk keeps N replicas while a datacenter is lost.
/// </summary>
public static class Placement
{
    /// <summary>How far past N a walk looks for distinct racks before accepting a rack twice; bounds work at 10^5 hosts.</summary>
    private const int RackSearchWindow = 256;

    public static Address[] Replicas(IRoutingTable table, IHostLocations locations, ulong volume, long chunk, int n, PlacementPolicy policy) =>
        [.. ReplicaMembers(table, locations, volume, chunk, n, policy).Select(m => m.Address)];

    /// <summary><see cref="Replicas"/> with the members' ids.</summary>
    public static Member[] ReplicaMembers(IRoutingTable table, IHostLocations locations, ulong volume, long chunk, int n, PlacementPolicy policy)
    {
        int count = table.Count;
        if (count == 0) return [];
        int start = table.Rank(VolumeKeys.ChunkKey(volume, chunk));
        int[] quota = policy.PerDatacenter is { } per ? [.. per] : [n];
        var taken = new List<Member>(n);
        var racks = new SortedSet<(int, int)>();
        int window = Math.Min(count, n + RackSearchWindow);
        // Passes: by policy on distinct racks, by policy, then (only if some datacenter fell short) anywhere.
        for (int pass = 0; pass < 4 && taken.Count < n; pass++)
        {
            bool byPolicy = pass < 2, distinctRacks = pass % 2 == 0;
            int limit = distinctRacks ? window : count;
            for (int i = 0; i < limit && taken.Count < n; i++)
            {
                var m = table.At((start + i) % count);
                var loc = locations.Of(m.Address);
                int slot = policy.PerDatacenter is null ? 0 : loc.Datacenter;
                if (byPolicy && (slot >= quota.Length || quota[slot] == 0)) continue;
                if (taken.Exists(t => t.Address == m.Address) || (distinctRacks && racks.Contains((loc.Datacenter, loc.Rack)))) continue;
                racks.Add((loc.Datacenter, loc.Rack));
                if (byPolicy) quota[slot]--;
                taken.Add(m);
            }
        }
        return [.. taken];
    }

    /// <summary>
    /// A host to replace member <paramref name="leaving"/> of a chunk: walking the ring from the chunk's key, the first
    /// host that is not a member, not excluded (suspected dead), in the leaving member's datacenter when the policy
    /// counts per datacenter, and on a rack no other member uses where possible. Null when there is none.
    /// </summary>
    public static Address? Replacement(IRoutingTable table, IHostLocations locations, ulong volume, long chunk,
        Address[] members, Address leaving, PlacementPolicy policy, Func<Address, bool> exclude)
    {
        int count = table.Count;
        int start = table.Rank(VolumeKeys.ChunkKey(volume, chunk));
        var racks = new SortedSet<(int, int)>(members.Where(m => m != leaving).Select(m => { var l = locations.Of(m); return (l.Datacenter, l.Rack); }));
        int dc = locations.Of(leaving).Datacenter;
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < count; i++)
            {
                var a = table.At((start + i) % count).Address;
                var loc = locations.Of(a);
                if (Array.IndexOf(members, a) >= 0 || exclude(a)) continue;
                if (policy.PerDatacenter is not null && loc.Datacenter != dc) continue;
                if (pass == 0 && racks.Contains((loc.Datacenter, loc.Rack))) continue;
                return a;
            }
        return null;
    }
}
