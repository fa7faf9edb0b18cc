namespace VinzVault.Runtime.Sim.Membership;

/// <summary>Binary indexed tree of longs (prefix sums and k-th search in O(log n)); sums wrap, so it also adds 64-bit hashes.</summary>
internal sealed class Fenwick(int n)
{
    private readonly long[] _t = new long[n + 1];

    public void Add(int i, long delta)
    {
        for (i++; i < _t.Length; i += i & -i) _t[i] = unchecked(_t[i] + delta);
    }

    /// <summary>Sum of positions [0, i).</summary>
    public long Prefix(int i)
    {
        long s = 0;
        for (; i > 0; i -= i & -i) s = unchecked(s + _t[i]);
        return s;
    }

    /// <summary>Smallest i with Prefix(i + 1) &gt; k, for non-negative 0/1 entries; n when there is none.</summary>
    public int FindKth(long k)
    {
        int pos = 0;
        for (int step = HighestPowerOfTwo(_t.Length - 1); step > 0; step >>= 1)
        {
            int next = pos + step;
            if (next < _t.Length && _t[next] <= k) { pos = next; k -= _t[next]; }
        }
        return pos;
    }

    private static int HighestPowerOfTwo(int n) => n == 0 ? 0 : 1 << (31 - System.Numerics.BitOperations.LeadingZeroCount((uint)n));
}
