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
    D1htEdra = 10,
    D1htProbe = 11,
    D1htProbeReply = 12,
    D1htJoinRequest = 13,
    D1htTableChunk = 14,
    D1htJoinAdmitted = 15,
    D1htSuspect = 16,
    D1htLookup = 17,
    D1htLookupReply = 18,
    D1htDigest = 19,
    D1htSegment = 20,
    D1htEdraAck = 21,
    StoreWrite = 100,
    StoreWriteAck = 101,
    StoreRead = 102,
    StoreReadReply = 103,
    StoreFence = 104,
    StoreFenceAck = 105,
    StoreDrop = 106,
    StoreDropQuery = 107,
    RegisterPrepare = 110,
    RegisterPromise = 111,
    RegisterAccept = 112,
    RegisterAccepted = 113,
}
