namespace VinzVault.Protocol.Core;

/// <summary>
/// xoshiro256** seeded through SplitMix64. Our own so that a seed gives the same sequence on every
/// .NET version and machine (System.Random promises neither).
/// </summary>
public sealed class Prng
{
    private ulong _s0, _s1, _s2, _s3;

    public Prng(ulong seed)
    {
        ulong x = seed;
        _s0 = Next(ref x); _s1 = Next(ref x); _s2 = Next(ref x); _s3 = Next(ref x);
        static ulong Next(ref ulong x) { x += 0x9e3779b97f4a7c15UL; return StableHash.Mix(x); }
    }

    /// <summary>A seed for a sub-stream (a host, a fault kind) that does not overlap this stream's uses.</summary>
    public static ulong Derive(ulong seed, ulong stream) => StableHash.Combine(StableHash.Mix(seed), stream);

    public ulong NextUInt64()
    {
        ulong result = RotL(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t; _s3 = RotL(_s3, 45);
        return result;
        static ulong RotL(ulong x, int k) => (x << k) | (x >> (64 - k));
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, n) without modulo bias (Lemire).</summary>
    public int Next(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        return (int)Math.BigMul(NextUInt64(), (ulong)n, out _);
    }

    public long NextLong(long n) => (long)Math.BigMul(NextUInt64(), (ulong)n, out _);

    public bool Chance(double p) => p > 0 && (p >= 1 || NextDouble() < p);

    /// <summary>Exponentially distributed with the given mean.</summary>
    public double Exponential(double mean) => -mean * Math.Log(1.0 - NextDouble());

    /// <summary>Pareto (heavy-tailed) with shape alpha > 1, scaled so the mean is <paramref name="mean"/>.</summary>
    public double Pareto(double mean, double alpha)
    {
        double xm = mean * (alpha - 1) / alpha;
        return xm / Math.Pow(1.0 - NextDouble(), 1.0 / alpha);
    }
}
