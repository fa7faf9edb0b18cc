using System.Globalization;

namespace VinzVault.Protocol.Core;

/// <summary>A point or span of time in integer microseconds; the only notion of time the core knows.</summary>
public readonly record struct Micros(long Value) : IComparable<Micros>
{
    public static readonly Micros Zero = new(0);
    public static readonly Micros MaxValue = new(long.MaxValue);

    public static Micros FromMillis(long ms) => new(ms * 1_000);
    public static Micros FromSeconds(double s) => new((long)Math.Round(s * 1_000_000));
    public double Seconds => Value / 1_000_000.0;

    public int CompareTo(Micros other) => Value.CompareTo(other.Value);
    public static Micros operator +(Micros a, Micros b) => new(a.Value + b.Value);
    public static Micros operator -(Micros a, Micros b) => new(a.Value - b.Value);
    public static Micros operator *(Micros a, long k) => new(a.Value * k);
    public static bool operator <(Micros a, Micros b) => a.Value < b.Value;
    public static bool operator >(Micros a, Micros b) => a.Value > b.Value;
    public static bool operator <=(Micros a, Micros b) => a.Value <= b.Value;
    public static bool operator >=(Micros a, Micros b) => a.Value >= b.Value;
    public static Micros Min(Micros a, Micros b) => a.Value <= b.Value ? a : b;
    public static Micros Max(Micros a, Micros b) => a.Value >= b.Value ? a : b;

    public override string ToString() => (Value / 1_000_000.0).ToString("0.000000", CultureInfo.InvariantCulture) + "s";
}
