namespace VinzVault.Protocol.Wire;

/// <summary>
/// A protocol message: a sealed immutable record. <see cref="Encode"/> writes its fields after the tag;
/// <see cref="Codec"/> reads them back. <see cref="Size"/> is the exact encoded length including the tag,
/// so the simulator can count bytes without encoding (a property test keeps the two in step).
/// </summary>
public abstract record Message
{
    public abstract MessageTag Tag { get; }
    public abstract void Encode(WireWriter w);
    public abstract int Size();
}

/// <summary>The first byte of every encoded message.</summary>
public enum MessageTag : byte
{
    Ping = 1,
    Pong = 2,
}
