using VinzVault.Protocol.Core;
using VinzVault.Protocol.Wire;

namespace VinzVault.Protocol.Membership.Messages;

/// <summary>
/// One EDRA message: the events a peer forwards with TTL <see cref="Ttl"/> at the end of an interval (empty on
/// TTL 0 it is the heartbeat). The header names the sender (learning from traffic) and its Theta (so the
/// successor knows how long a silence means a failure). A non-zero <see cref="Seq"/> asks for an <see cref="EdraAckMessage"/>.
/// </summary>
public sealed record EdraMessage(byte Ttl, RingId Sender, uint SenderIncarnation, uint ThetaMillis, ReadOnlyMemory<EdraEvent> Events, uint Seq = 0) : Message
{
    public override MessageTag Tag => MessageTag.D1htEdra;

    /// <summary>Value equality including the array (records compare arrays by reference).</summary>
    public bool Equals(EdraMessage? other) => other is not null && Ttl == other.Ttl && Sender == other.Sender && SenderIncarnation == other.SenderIncarnation
        && ThetaMillis == other.ThetaMillis && Seq == other.Seq && Events.Span.SequenceEqual(other.Events.Span);
    public override int GetHashCode() => Size();

    public override void Encode(WireWriter w)
    {
        w.U8(Ttl);
        w.U64(Sender.Value);
        w.VarU(SenderIncarnation);
        w.VarU(ThetaMillis);
        w.VarU(Seq);
        w.VarU((ulong)Events.Length);
        foreach (var e in Events.Span)
        {
            MembershipWire.Write(w, e.Event);
            w.U64(e.Detector.Value);
            w.VarU(e.AgeCentis);
        }
    }

    /// <summary>Computed once: the sender, the network and the metrics all ask. A copy made by <c>with</c> computes its own.</summary>
    private int _size = -1;

    private EdraMessage(EdraMessage original) : base(original)
    {
        (Ttl, Sender, SenderIncarnation, ThetaMillis, Events, Seq) =
            (original.Ttl, original.Sender, original.SenderIncarnation, original.ThetaMillis, original.Events, original.Seq);
    }

    public override int Size()
    {
        if (_size >= 0) return _size;
        int n = HeaderSize(SenderIncarnation, ThetaMillis, Events.Length) + WireWriter.VarUSize(Seq);
        foreach (var e in Events.Span) n += EventSize(e);
        return _size = n;
    }

    /// <summary>Bytes of everything but the events (h of the traffic model, without transport framing).</summary>
    public static int HeaderSize(uint incarnation, uint thetaMillis, int events) =>
        1 + 1 + 8 + WireWriter.VarUSize(incarnation) + WireWriter.VarUSize(thetaMillis) + WireWriter.VarUSize((ulong)events);

    /// <summary>Bytes of one event (m of the traffic model).</summary>
    public static int EventSize(in EdraEvent e) => MembershipWire.Size(e.Event) + 8 + WireWriter.VarUSize(e.AgeCentis);

    internal static EdraMessage Read(ref WireReader r)
    {
        byte ttl = r.U8("ttl");
        var sender = new RingId(r.U64("sender"));
        ulong inc = r.VarU("sender incarnation");
        ulong theta = r.VarU("theta");
        ulong seq = r.VarU("seq");
        if (inc > uint.MaxValue || theta > uint.MaxValue || seq > uint.MaxValue) r.Fail("bad edra header: field out of range");
        int n = r.Count(19, MembershipWire.MaxRecords, "event count");
        var events = new EdraEvent[n];
        for (int i = 0; i < n && r.Ok; i++)
        {
            var e = MembershipWire.Read(ref r);
            var detector = new RingId(r.U64("detector"));
            ulong age = r.VarU("event age");
            if (age > uint.MaxValue) r.Fail("bad edra event: age out of range");
            events[i] = new EdraEvent(e, detector, (uint)age);
        }
        return new EdraMessage(ttl, sender, (uint)inc, (uint)theta, events, (uint)seq);
    }
}

/// <summary>Acknowledges the EDRA message <see cref="Seq"/> (its bytes count in the model's per-message header h, D1HT.md).</summary>
public sealed record EdraAckMessage(uint Seq) : Message
{
    public override MessageTag Tag => MessageTag.D1htEdraAck;
    public override void Encode(WireWriter w) => w.VarU(Seq);
    public override int Size() => 1 + WireWriter.VarUSize(Seq);
    internal static EdraAckMessage Read(ref WireReader r) => For(r.U32Var("seq"));

    /// <summary>Acknowledgements are immutable and their sequences small: one shared instance per sequence below 2^14.</summary>
    private static readonly EdraAckMessage?[] s_shared = new EdraAckMessage?[1 << 14];

    public static EdraAckMessage For(uint seq) => seq < s_shared.Length ? s_shared[seq] ??= new(seq) : new(seq);
}
