using System.Buffers.Binary;
using System.Text;

namespace VinzVault.Protocol.Wire;

/// <summary>
/// Reads fields from untrusted bytes. Errors are sticky: after the first short or bad field every read
/// returns a default and <see cref="Ok"/> stays false, so decoders read straight through and check once.
/// It never throws and never allocates more than the input could describe.
/// </summary>
public ref struct WireReader
{
    private ReadOnlySpan<byte> _rest;

    public WireReader(ReadOnlySpan<byte> data) { _rest = data; Ok = true; Error = null; }

    public bool Ok { get; private set; }
    public string? Error { get; private set; }
    public int Remaining => _rest.Length;

    public void Fail(string error)
    {
        if (Ok) { Ok = false; Error = error; }
        _rest = default;
    }

    private ReadOnlySpan<byte> Take(int n, string what)
    {
        if (!Ok) return default;
        if (n < 0 || n > _rest.Length) { Fail($"truncated {what}: need {n} bytes, have {_rest.Length}"); return default; }
        var s = _rest[..n];
        _rest = _rest[n..];
        return s;
    }

    public byte U8(string what = "u8") { var s = Take(1, what); return Ok ? s[0] : (byte)0; }
    public ushort U16(string what = "u16") { var s = Take(2, what); return Ok ? BinaryPrimitives.ReadUInt16LittleEndian(s) : (ushort)0; }
    public uint U32(string what = "u32") { var s = Take(4, what); return Ok ? BinaryPrimitives.ReadUInt32LittleEndian(s) : 0; }
    public ulong U64(string what = "u64") { var s = Take(8, what); return Ok ? BinaryPrimitives.ReadUInt64LittleEndian(s) : 0; }
    public long I64(string what = "i64") { var s = Take(8, what); return Ok ? BinaryPrimitives.ReadInt64LittleEndian(s) : 0; }

    /// <summary>A varint that must fit in 32 bits.</summary>
    public uint U32Var(string what = "u32")
    {
        ulong v = VarU(what);
        if (v > uint.MaxValue) { Fail($"bad {what}: {v} exceeds 32 bits"); return 0; }
        return (uint)v;
    }

    public bool Bool(string what = "bool")
    {
        byte b = U8(what);
        if (b > 1) Fail($"bad {what}: {b} is not a boolean");
        return b == 1;
    }

    public ulong VarU(string what = "varint")
    {
        ulong v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = U8(what);
            if (!Ok) return 0;
            v |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return v;
        }
        Fail($"bad {what}: varint longer than 10 bytes");
        return 0;
    }

    /// <summary>
    /// A count of elements that each take at least <paramref name="minElementBytes"/>: rejected when the
    /// remaining input could not hold that many, so a forged count never causes a large allocation.
    /// </summary>
    public int Count(int minElementBytes, int max, string what)
    {
        ulong n = VarU(what);
        if (!Ok) return 0;
        if (n > (ulong)max) { Fail($"bad {what}: {n} exceeds the limit {max}"); return 0; }
        if (n * (ulong)Math.Max(1, minElementBytes) > (ulong)_rest.Length) { Fail($"truncated {what}: {n} elements cannot fit in {_rest.Length} bytes"); return 0; }
        return (int)n;
    }

    public byte[] Bytes(int max, string what = "bytes")
    {
        int n = Count(1, max, what);
        return Ok ? Take(n, what).ToArray() : [];
    }

    public string Str(int maxBytes, string what = "string")
    {
        int n = Count(1, maxBytes, what);
        if (!Ok) return "";
        var s = Take(n, what);
        try { return new UTF8Encoding(false, true).GetString(s); }
        catch (DecoderFallbackException) { Fail($"bad {what}: not UTF-8"); return ""; }
    }

    /// <summary>Range check for enum-like fields.</summary>
    public T Enum<T>(T max, string what) where T : struct, Enum
    {
        byte b = U8(what);
        if (Ok && b > Convert.ToByte(max, System.Globalization.CultureInfo.InvariantCulture)) Fail($"bad {what}: {b}");
        return (T)(object)b;
    }
}
