using System.Buffers.Binary;
using System.Text;

namespace VinzVault.Protocol.Wire;

/// <summary>Appends little-endian fields to a growable buffer.</summary>
public sealed class WireWriter
{
    private byte[] _buf;
    private int _len;

    public WireWriter(int capacity = 256) => _buf = new byte[capacity];

    public int Length => _len;
    public ReadOnlySpan<byte> Written => _buf.AsSpan(0, _len);
    public void Reset() => _len = 0;

    private Span<byte> Take(int n)
    {
        if (_len + n > _buf.Length) Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + n));
        var s = _buf.AsSpan(_len, n);
        _len += n;
        return s;
    }

    public void U8(byte v) => Take(1)[0] = v;
    public void U16(ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(Take(2), v);
    public void U32(uint v) => BinaryPrimitives.WriteUInt32LittleEndian(Take(4), v);
    public void U64(ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(Take(8), v);
    public void I64(long v) => BinaryPrimitives.WriteInt64LittleEndian(Take(8), v);
    public void Bool(bool v) => U8(v ? (byte)1 : (byte)0);

    /// <summary>Unsigned LEB128: small counts cost one byte.</summary>
    public void VarU(ulong v)
    {
        while (v >= 0x80) { U8((byte)(v | 0x80)); v >>= 7; }
        U8((byte)v);
    }

    public void Bytes(ReadOnlySpan<byte> data)
    {
        VarU((ulong)data.Length);
        data.CopyTo(Take(data.Length));
    }

    public void Str(string s) => Bytes(Encoding.UTF8.GetBytes(s));

    public static int VarUSize(ulong v)
    {
        int n = 1;
        while (v >= 0x80) { v >>= 7; n++; }
        return n;
    }

    public static int BytesSize(int len) => VarUSize((ulong)len) + len;
    public static int StrSize(string s) => BytesSize(Encoding.UTF8.GetByteCount(s));
}
