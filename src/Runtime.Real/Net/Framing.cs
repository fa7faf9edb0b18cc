using System.Buffers.Binary;
using VinzVault.Protocol.Core;

namespace VinzVault.Runtime.Real.Net;

/// <summary>
/// The byte layout of a connection. The dialer first sends a fixed preface: the magic "VZV" and a format
/// version byte, then its listen <see cref="Address"/> (8 bytes, little-endian), so the listener knows
/// whom the frames come from and where answers go. Then frames follow: a 4-byte little-endian payload
/// length and the payload, one <see cref="Protocol.Wire.Codec"/>-encoded message.
/// </summary>
internal static class Framing
{
    public const int HeaderBytes = 4;
    public const int PrefaceBytes = 12;
    private const byte Version = 1;

    public static void WritePreface(Span<byte> dest, Address self)
    {
        dest[0] = (byte)'V';
        dest[1] = (byte)'Z';
        dest[2] = (byte)'V';
        dest[3] = Version;
        BinaryPrimitives.WriteUInt64LittleEndian(dest[4..], self.Value);
    }

    /// <summary>Checks a received preface; the error names what is wrong.</summary>
    public static bool TryReadPreface(ReadOnlySpan<byte> src, out Address from, out string? error)
    {
        from = Address.None;
        if (src[0] != 'V' || src[1] != 'Z' || src[2] != 'V')
        {
            error = "not a VinzVault connection (bad preface magic)";
            return false;
        }
        if (src[3] != Version)
        {
            error = $"unsupported connection format version {src[3]} (this host speaks {Version})";
            return false;
        }
        from = new Address(BinaryPrimitives.ReadUInt64LittleEndian(src[4..]));
        error = null;
        return true;
    }

    public static void WriteHeader(Span<byte> dest, int payloadLength) => BinaryPrimitives.WriteInt32LittleEndian(dest, payloadLength);

    /// <summary>The payload length a header announces; unsigned so a forged negative length reads as huge.</summary>
    public static uint ReadHeader(ReadOnlySpan<byte> src) => BinaryPrimitives.ReadUInt32LittleEndian(src);
}
