using VinzVault.Protocol.Core;

namespace VinzVault.Protocol.Membership;

/// <summary>Ring arithmetic over any <see cref="IRoutingTable"/>; written once for both implementations.</summary>
public static class RoutingTableExtensions
{
    /// <summary>Applies an event idempotently; true when it was news.</summary>
    public static bool Apply(this IRoutingTable t, in MembershipEvent e) => t.Apply(e, out _);

    public static bool Contains(this IRoutingTable t, RingId id) => t.TryGetState(id, out var s) && s.Joined;

    public static bool TryGetMember(this IRoutingTable t, RingId id, out Member member)
    {
        bool live = t.TryGetState(id, out var s) && s.Joined;
        member = live ? s.Member : default;
        return live;
    }

    /// <summary>succ(k): the first member whose id equals or follows <paramref name="key"/> clockwise; the key's owner.</summary>
    public static Member SuccessorOfKey(this IRoutingTable t, RingId key) => t.At(Wrap(t.Rank(key), t.Count));

    /// <summary>succ(p, k): the k-th member strictly after <paramref name="p"/> (k &gt;= 1), wrapping; p need not be a member.</summary>
    public static Member Successor(this IRoutingTable t, RingId p, int k)
    {
        int afterP = t.Rank(p) + (t.Contains(p) ? 1 : 0);
        return t.At(Wrap(afterP + k - 1, t.Count));
    }

    /// <summary>
    /// succ(p, 1), succ(p, 2), succ(p, 4), ... succ(p, 2^(count-1)): EDRA's targets, with p's rank found once (a
    /// simulated table pays for each rank lookup).
    /// </summary>
    public static void PowerSuccessors(this IRoutingTable t, RingId p, int count, List<Member> into)
    {
        into.Clear();
        int n = t.Count;
        if (n == 0) return;
        int afterP = t.Rank(p) + (t.Contains(p) ? 1 : 0);
        for (int l = 0; l < count; l++) into.Add(t.At(Wrap(afterP + (1L << l) - 1, n)));
    }

    /// <summary>pred(p, k): the k-th member strictly before <paramref name="p"/> (k &gt;= 1), wrapping.</summary>
    public static Member Predecessor(this IRoutingTable t, RingId p, int k) => t.At(Wrap(t.Rank(p) - k, t.Count));

    /// <summary>rho = ceil(log2 n), at least 1 so a ring of one or two still has a heartbeat.</summary>
    public static int Rho(int n) => n <= 2 ? 1 : 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(n - 1));

    private static int Wrap(long i, int n)
    {
        if (n <= 0) throw new InvalidOperationException("the routing table is empty");
        long r = i % n;
        return (int)(r < 0 ? r + n : r);
    }
}
