using VinzVault.Protocol.Membership.Messages;
using VinzVault.Protocol.Ping;
using VinzVault.Protocol.Storage.Messages;
using VinzVault.Protocol.Storage.Metadata;

namespace VinzVault.Protocol.Wire;

/// <summary>The outcome of decoding untrusted bytes: a message, or an error a user can read.</summary>
public readonly record struct Decoded(Message? Message, string? Error)
{
    public bool Ok => Message is not null;
}

/// <summary>Turns messages into bytes and back. Pure; decoding never throws.</summary>
public static class Codec
{
    /// <summary>Largest message we accept; a frame header claiming more is refused before reading it.</summary>
    public const int MaxMessageBytes = 4 << 20;

    public static byte[] Encode(Message m)
    {
        var w = new WireWriter(m.Size());
        Encode(m, w);
        return w.Written.ToArray();
    }

    public static void Encode(Message m, WireWriter w)
    {
        w.U8((byte)m.Tag);
        m.Encode(w);
    }

    public static Decoded Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxMessageBytes) return new(null, $"message of {bytes.Length} bytes exceeds {MaxMessageBytes}");
        var r = new WireReader(bytes);
        var tag = (MessageTag)r.U8("tag");
        if (!r.Ok) return new(null, "empty message");
        Message? m = tag switch
        {
            MessageTag.Ping => PingMessage.Read(ref r),
            MessageTag.Pong => PongMessage.Read(ref r),
            MessageTag.D1htEdra => EdraMessage.Read(ref r),
            MessageTag.D1htProbe => ProbeMessage.Read(ref r),
            MessageTag.D1htProbeReply => ProbeReplyMessage.Read(ref r),
            MessageTag.D1htJoinRequest => JoinRequestMessage.Read(ref r),
            MessageTag.D1htTableChunk => TableChunkMessage.Read(ref r),
            MessageTag.D1htJoinAdmitted => JoinAdmittedMessage.Read(ref r),
            MessageTag.D1htSuspect => SuspectMessage.Read(ref r),
            MessageTag.D1htLookup => LookupRequestMessage.Read(ref r),
            MessageTag.D1htLookupReply => LookupReplyMessage.Read(ref r),
            MessageTag.D1htDigest => DigestMessage.Read(ref r),
            MessageTag.D1htSegment => SegmentMessage.Read(ref r),
            MessageTag.D1htEdraAck => EdraAckMessage.Read(ref r),
            MessageTag.StoreWrite => StoreWriteMessage.Read(ref r),
            MessageTag.StoreWriteAck => StoreWriteAckMessage.Read(ref r),
            MessageTag.StoreRead => StoreReadMessage.Read(ref r),
            MessageTag.StoreReadReply => StoreReadReplyMessage.Read(ref r),
            MessageTag.StoreFence => StoreFenceMessage.Read(ref r),
            MessageTag.StoreFenceAck => StoreFenceAckMessage.Read(ref r),
            MessageTag.StoreDrop => StoreDropMessage.Read(ref r),
            MessageTag.StoreDropQuery => StoreDropQueryMessage.Read(ref r),
            MessageTag.RegisterPrepare => RegisterPrepareMessage.Read(ref r),
            MessageTag.RegisterPromise => RegisterPromiseMessage.Read(ref r),
            MessageTag.RegisterAccept => RegisterAcceptMessage.Read(ref r),
            MessageTag.RegisterAccepted => RegisterAcceptedMessage.Read(ref r),
            _ => null,
        };
        if (m is null && r.Ok) return new(null, $"unknown message tag {(byte)tag}");
        if (!r.Ok) return new(null, $"{tag}: {r.Error}");
        if (r.Remaining != 0) return new(null, $"{tag}: {r.Remaining} trailing bytes");
        return new(m, null);
    }
}
