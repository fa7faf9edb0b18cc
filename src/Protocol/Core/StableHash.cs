using System.Text;

namespace VinzVault.Protocol.Core;

/// <summary>Hashes that are the same in every process and every .NET version (unlike string.GetHashCode).</summary>
public static class StableHash
{
    /// <summary>FNV-1a over UTF-8, finished with a SplitMix64 avalanche so ring IDs spread evenly.</summary>
    public static ulong Of(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(s))
            h = (h ^ b) * 1099511628211UL;
        return Mix(h);
    }

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
        return z ^ (z >> 31);
    }

    public static ulong Combine(ulong h, ulong v) => Mix(h ^ (v + 0x9e3779b97f4a7c15UL + (h << 6) + (h >> 2)));
}
