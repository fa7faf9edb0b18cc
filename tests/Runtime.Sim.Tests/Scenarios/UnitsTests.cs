using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VinzVault.Protocol.Core;
using VinzVault.Runtime.Sim.Scenarios;

namespace VinzVault.Runtime.Sim.Tests.Scenarios;

public sealed class UnitsTests
{
    [Theory]
    [InlineData("0s", 0L)]
    [InlineData("250us", 250L)]
    [InlineData("5ms", 5_000L)]
    [InlineData("1.5s", 1_500_000L)]
    [InlineData("90s", 90_000_000L)]
    [InlineData("30m", 1_800_000_000L)]
    [InlineData("2h", 7_200_000_000L)]
    [InlineData("1d", 86_400_000_000L)]
    [InlineData("0.001ms", 1L)]
    [InlineData(".5s", 500_000L)]
    [InlineData("2m30s", 150_000_000L)]
    [InlineData("1h15m", 4_500_000_000L)]
    [InlineData("1s500ms", 1_500_000L)]
    public void DurationsParseAsWritten(string text, long micros)
    {
        Assert.True(Units.TryParseDuration(text, out var value, out string error), error);
        Assert.Equal(new Micros(micros), value);
    }

    [Theory]
    [InlineData("", "empty duration")]
    [InlineData("5", "has no unit; write e.g. '5s'")]
    [InlineData("5x", "unknown unit 'x'")]
    [InlineData("-3s", "cannot be negative")]
    [InlineData("1e999s", "unknown unit 'e999s'")]
    [InlineData("s", "must start with a number")]
    [InlineData("1.2.3s", "is not a number")]
    [InlineData("5 s", "unknown unit ' s'")]
    [InlineData("1.5us", "finer than the smallest unit")]
    [InlineData("999999999999d", "too large")]
    [InlineData("99999999999999999999999999999999999999s", "is not a number")]
    public void BadDurationsAreErrorsThatSayWhy(string text, string expected)
    {
        Assert.False(Units.TryParseDuration(text, out _, out string error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(250L, "250us")]
    [InlineData(5_000L, "5ms")]
    [InlineData(1_500_000L, "1.5s")]
    [InlineData(7_200_000_000L, "2h")]
    [InlineData(1_000_001L, "1000.001ms")]
    [InlineData(0L, "0s")]
    public void DurationsFormatInTheLargestExactUnit(long micros, string expected) =>
        Assert.Equal(expected, Units.FormatDuration(new Micros(micros)));

    [Theory]
    [InlineData("512", 512L)]
    [InlineData("4K", 4096L)]
    [InlineData("4k", 4096L)]
    [InlineData("1M", 1L << 20)]
    [InlineData("10G", 10L << 30)]
    [InlineData("2T", 2L << 40)]
    [InlineData("1.5K", 1536L)]
    public void SizesParseInBinaryMultiples(string text, long bytes)
    {
        Assert.True(Units.TryParseSize(text, out long value, out string error), error);
        Assert.Equal(bytes, value);
    }

    [Theory]
    [InlineData("", "empty size")]
    [InlineData("4X", "unknown unit 'X'")]
    [InlineData("-1K", "cannot be negative")]
    [InlineData("1e9", "unknown unit 'e9'")]
    [InlineData("0.5", "whole number of bytes")]
    [InlineData("9999999T", "too large")]
    public void BadSizesAreErrorsThatSayWhy(string text, string expected)
    {
        Assert.False(Units.TryParseSize(text, out _, out string error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(512L, "512")]
    [InlineData(4096L, "4K")]
    [InlineData(1536L, "1.5K")]
    [InlineData(10L << 30, "10G")]
    [InlineData(0L, "0")]
    public void SizesFormatInTheLargestExactUnit(long bytes, string expected) => Assert.Equal(expected, Units.FormatSize(bytes));

    /// <summary>Small, round and huge values alike: most random longs are huge, so also draw from a few scales.</summary>
    private static Arbitrary<long> NonNegative(params long[] scales) =>
        Arb.From(Gen.OneOf(
            Gen.Choose(0, int.MaxValue).Select(v => (long)v),
            from v in Gen.Choose(0, 100_000) from scale in Gen.Elements(scales) select v * scale,
            from hi in Gen.Choose(0, int.MaxValue) from lo in Gen.Choose(0, int.MaxValue) select ((long)hi << 32) | (uint)lo,
            Gen.Constant(long.MaxValue)));

    [Property]
    public Property FormattingThenParsingADurationGivesItBack() =>
        Prop.ForAll(NonNegative(1, 1_000, 1_000_000, 60_000_000, 3_600_000_000, 86_400_000_000, 500_000), v =>
            Units.TryParseDuration(Units.FormatDuration(new Micros(v)), out var back, out _) && back == new Micros(v));

    [Property]
    public Property FormattingThenParsingASizeGivesItBack() =>
        Prop.ForAll(NonNegative(1, 1L << 10, 1L << 20, 1L << 30, 1L << 40, 512), v =>
            Units.TryParseSize(Units.FormatSize(v), out long back, out _) && back == v);
}
