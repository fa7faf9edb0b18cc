using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VinzVault.Protocol.Core;

namespace VinzVault.Protocol.Tests.Core;

public class SpreadSortProperties
{
    /// <summary>
    /// Keys from a few spread or crowded shapes (hashes, a narrow band, many equal keys), at sizes below and above the
    /// bucketed path, so buckets of one, a few and many keys all occur.
    /// </summary>
    private static Gen<ulong[]> Keys =>
        from shape in Gen.Choose(0, 3)
        from n in Gen.Choose(0, 3000)
        from seed in Gen.Choose(0, int.MaxValue)
        select MakeKeys(shape, n, (ulong)seed);

    private static ulong[] MakeKeys(int shape, int n, ulong seed)
    {
        var rng = new Prng(seed);
        var keys = new ulong[n];
        for (int i = 0; i < n; i++)
            keys[i] = shape switch
            {
                0 => rng.NextUInt64(),
                1 => 0xAB00_0000_0000_0000UL + (ulong)rng.Next(1 << 20),
                2 => (ulong)rng.Next(4) << 62,
                _ => StableHash.Mix((ulong)rng.Next(Math.Max(1, n / 3))),
            };
        return keys;
    }

    [Property(MaxTest = 200)]
    public Property SortsKeysWithTheirItemsLikeAComparisonSort() =>
        Prop.ForAll(Arb.From(Keys), keys =>
        {
            // Each item names its key's original position, so a pair that came apart shows.
            var items = Enumerable.Range(0, keys.Length).Select(i => (ulong)i).ToArray();
            var original = (ulong[])keys.Clone();
            SpreadSort.Sort(keys, items);
            var expected = original.Order().ToArray();
            bool sorted = keys.AsSpan().SequenceEqual(expected);
            bool paired = items.Select((item, i) => original[item] == keys[i]).All(x => x);
            bool permutation = items.Order().SequenceEqual(Enumerable.Range(0, keys.Length).Select(i => (ulong)i));
            return (sorted && paired && permutation).Label($"n {keys.Length}: sorted {sorted}, paired {paired}, permutation {permutation}");
        });
}
