namespace VinzVault.Protocol.Core;

/// <summary>
/// Where a host can be reached. The simulator uses the host index; the real runtime packs an
/// IPv4 address and port (48 bits). The core only compares and forwards it.
/// </summary>
public readonly record struct Address(ulong Value)
{
    public static readonly Address None = new(ulong.MaxValue);
    public bool IsNone => Value == ulong.MaxValue;
    public override string ToString() => IsNone ? "none" : Value <= int.MaxValue ? "h" + Value : $"{Value >> 40 & 0xff}.{Value >> 32 & 0xff}.{Value >> 24 & 0xff}.{Value >> 16 & 0xff}:{Value & 0xffff}";
}

/// <summary>A position on the 64-bit D1HT ring; derived from a host's authenticated name, never chosen.</summary>
public readonly record struct RingId(ulong Value) : IComparable<RingId>
{
    public static RingId ForHostName(string name) => new(StableHash.Of(name));
    public int CompareTo(RingId other) => Value.CompareTo(other.Value);
    /// <summary>Clockwise distance from this id to <paramref name="to"/>, wrapping.</summary>
    public ulong DistanceTo(RingId to) => unchecked(to.Value - Value);
    /// <summary>True when x lies in the ring interval (a, b], wrapping; (a, a] is the whole ring.</summary>
    public static bool InHalfOpen(RingId x, RingId a, RingId b) => x.Value != a.Value && a.DistanceTo(x) <= a.DistanceTo(b) || a == b;
    public override string ToString() => Value.ToString("x16");
}
