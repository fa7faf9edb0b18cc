using System.Net;
using System.Net.Sockets;
using VinzVault.Protocol.Core;

namespace VinzVault.Runtime.Real.Net;

/// <summary>
/// Converts between IPv4 endpoints and the core's <see cref="Address"/>, which packs the address and
/// port as <c>ipv4 &lt;&lt; 16 | port</c> (the layout <see cref="Address.ToString"/> prints).
/// </summary>
public static class Endpoints
{
    public static Address ToAddress(IPEndPoint endpoint)
    {
        if (endpoint.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"{endpoint} is not an IPv4 endpoint", nameof(endpoint));
        Span<byte> b = stackalloc byte[4];
        endpoint.Address.TryWriteBytes(b, out _);
        ulong ip = (ulong)b[0] << 24 | (ulong)b[1] << 16 | (ulong)b[2] << 8 | b[3];
        return new Address(ip << 16 | (ushort)endpoint.Port);
    }

    public static IPEndPoint ToEndPoint(Address address)
    {
        ulong ip = address.Value >> 16 & 0xffff_ffff;
        var bytes = new[] { (byte)(ip >> 24), (byte)(ip >> 16), (byte)(ip >> 8), (byte)ip };
        return new IPEndPoint(new IPAddress(bytes), (int)(address.Value & 0xffff));
    }

    /// <summary>Parses "a.b.c.d:port"; the error says what is wrong with the text.</summary>
    public static bool TryParse(string text, out IPEndPoint endpoint, out string? error)
    {
        endpoint = new IPEndPoint(IPAddress.None, 0);
        if (!IPEndPoint.TryParse(text, out var parsed) || !text.Contains(':', StringComparison.Ordinal))
        {
            error = $"'{text}' is not an IPv4 address and port like 127.0.0.1:7001";
            return false;
        }
        if (parsed.AddressFamily != AddressFamily.InterNetwork)
        {
            error = $"'{text}' is not IPv4 (only IPv4 addresses fit in a host address for now)";
            return false;
        }
        endpoint = parsed;
        error = null;
        return true;
    }
}
