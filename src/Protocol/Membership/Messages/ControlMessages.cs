using VinzVault.Protocol.Core;
using VinzVault.Protocol.Wire;

namespace VinzVault.Protocol.Membership.Messages;

/// <summary>Are you alive? Sent to a silent predecessor, a suspected peer, or a joiner at the end of its quarantine.</summary>
public sealed record ProbeMessage(long Seq) : Message
{
    public override MessageTag Tag => MessageTag.D1htProbe;
    public override void Encode(WireWriter w) => w.VarU((ulong)Seq);
    public override int Size() => 1 + WireWriter.VarUSize((ulong)Seq);
    internal static ProbeMessage Read(ref WireReader r) => new((long)r.VarU("seq"));
}

/// <summary>Answer to a probe, naming the live session that answers.</summary>
public sealed record ProbeReplyMessage(long Seq, RingId Id, uint Incarnation) : Message
{
    public override MessageTag Tag => MessageTag.D1htProbeReply;
    public override void Encode(WireWriter w) { w.VarU((ulong)Seq); w.U64(Id.Value); w.VarU(Incarnation); }
    public override int Size() => 1 + WireWriter.VarUSize((ulong)Seq) + 8 + WireWriter.VarUSize(Incarnation);
    internal static ProbeReplyMessage Read(ref WireReader r) => new((long)r.VarU("seq"), new RingId(r.U64("id")), (uint)r.U32Var("incarnation"));
}

/// <summary>A host asks to join; forwarded by any member to the joiner's successor.</summary>
public sealed record JoinRequestMessage(RingId Id, Address Joiner, uint Incarnation, byte Hops) : Message
{
    public override MessageTag Tag => MessageTag.D1htJoinRequest;
    public override void Encode(WireWriter w) { w.U64(Id.Value); w.VarU(Joiner.Value); w.VarU(Incarnation); w.U8(Hops); }
    public override int Size() => 1 + 8 + WireWriter.VarUSize(Joiner.Value) + WireWriter.VarUSize(Incarnation) + 1;
    internal static JoinRequestMessage Read(ref WireReader r) => new(new RingId(r.U64("id")), new Address(r.VarU("joiner")), r.U32Var("incarnation"), r.U8("hops"));
}

/// <summary>One frame of the routing table the successor transfers to a joiner (every known state, live or departed).</summary>
public sealed record TableChunkMessage(int Index, int Total, MembershipEvent[] States, InFlightState[] InFlight) : Message
{
    public override MessageTag Tag => MessageTag.D1htTableChunk;

    /// <summary>Value equality including the arrays (records compare arrays by reference).</summary>
    public bool Equals(TableChunkMessage? other) => other is not null && Index == other.Index && Total == other.Total
        && States.AsSpan().SequenceEqual(other.States) && InFlight.AsSpan().SequenceEqual(other.InFlight);
    public override int GetHashCode() => Size();

    public override void Encode(WireWriter w)
    {
        w.VarU((ulong)Index);
        w.VarU((ulong)Total);
        MembershipWire.WriteAll(w, States);
        w.VarU((ulong)InFlight.Length);
        foreach (var f in InFlight) { w.U64(f.Id.Value); w.VarU(f.Replaced); w.VarU(f.AgeCentis); }
    }

    public override int Size()
    {
        int n = 1 + WireWriter.VarUSize((ulong)Index) + WireWriter.VarUSize((ulong)Total) + MembershipWire.SizeAll(States) + WireWriter.VarUSize((ulong)InFlight.Length);
        foreach (var f in InFlight) n += 8 + WireWriter.VarUSize(f.Replaced) + WireWriter.VarUSize(f.AgeCentis);
        return n;
    }

    internal static TableChunkMessage Read(ref WireReader r)
    {
        int index = (int)r.U32Var("index");
        int total = (int)r.U32Var("total");
        var states = MembershipWire.ReadAll(ref r);
        var inFlight = new InFlightState[r.Count(10, MembershipWire.MaxRecords, "in-flight count")];
        for (int i = 0; i < inFlight.Length && r.Ok; i++)
        {
            var id = new RingId(r.U64("in-flight id"));
            ulong replaced = r.VarU("in-flight replaced");
            ulong age = r.VarU("in-flight age");
            if (age > uint.MaxValue || replaced > uint.MaxValue) r.Fail("bad table chunk: in-flight field out of range");
            inFlight[i] = new InFlightState(id, (uint)replaced, (uint)age);
        }
        return new TableChunkMessage(index, total, states, inFlight);
    }
}

/// <summary>A state the sender's anti-entropy still counts as in flight: its id, the state it replaced (incarnation and liveness packed, plus one; 0: none) and its age.</summary>
public readonly record struct InFlightState(RingId Id, uint Replaced, uint AgeCentis);

/// <summary>The successor has announced the joiner: its quarantine is over and it is a member.</summary>
public sealed record JoinAdmittedMessage(uint Incarnation) : Message
{
    public override MessageTag Tag => MessageTag.D1htJoinAdmitted;
    public override void Encode(WireWriter w) => w.VarU(Incarnation);
    public override int Size() => 1 + WireWriter.VarUSize(Incarnation);
    internal static JoinAdmittedMessage Read(ref WireReader r) => new(r.U32Var("incarnation"));
}

/// <summary>A host timed out talking to <see cref="Member"/>; sent to the suspect's successor, which probes it.</summary>
public sealed record SuspectMessage(RingId Id, uint Incarnation) : Message
{
    public override MessageTag Tag => MessageTag.D1htSuspect;
    public override void Encode(WireWriter w) { w.U64(Id.Value); w.VarU(Incarnation); }
    public override int Size() => 1 + 8 + WireWriter.VarUSize(Incarnation);
    internal static SuspectMessage Read(ref WireReader r) => new(new RingId(r.U64("id")), r.U32Var("incarnation"));
}

/// <summary>Find the owner of <see cref="Key"/> for <see cref="Origin"/>; a non-owner forwards it to the owner in its table.</summary>
public sealed record LookupRequestMessage(long RequestId, RingId Key, Address Origin, byte Hops) : Message
{
    public override MessageTag Tag => MessageTag.D1htLookup;
    public override void Encode(WireWriter w) { w.VarU((ulong)RequestId); w.U64(Key.Value); w.VarU(Origin.Value); w.U8(Hops); }
    public override int Size() => 1 + WireWriter.VarUSize((ulong)RequestId) + 8 + WireWriter.VarUSize(Origin.Value) + 1;
    internal static LookupRequestMessage Read(ref WireReader r) => new((long)r.VarU("request id"), new RingId(r.U64("key")), new Address(r.VarU("origin")), r.U8("hops"));
}

/// <summary>The owner answers a lookup directly to its origin.</summary>
public sealed record LookupReplyMessage(long RequestId, RingId Owner, uint OwnerIncarnation, byte Hops) : Message
{
    public override MessageTag Tag => MessageTag.D1htLookupReply;
    public override void Encode(WireWriter w) { w.VarU((ulong)RequestId); w.U64(Owner.Value); w.VarU(OwnerIncarnation); w.U8(Hops); }
    public override int Size() => 1 + WireWriter.VarUSize((ulong)RequestId) + 8 + WireWriter.VarUSize(OwnerIncarnation) + 1;
    internal static LookupReplyMessage Read(ref WireReader r) => new((long)r.VarU("request id"), new RingId(r.U64("owner")), r.U32Var("incarnation"), r.U8("hops"));
}

/// <summary>Anti-entropy: digests of the equal sub-ranges of [From, To] as the sender sees them.</summary>
public sealed record DigestMessage(RingId From, RingId To, ulong[] Digests) : Message
{
    public const int Fanout = 16;
    public override MessageTag Tag => MessageTag.D1htDigest;

    /// <summary>Value equality including the array (records compare arrays by reference).</summary>
    public bool Equals(DigestMessage? other) => other is not null && From == other.From && To == other.To && Digests.AsSpan().SequenceEqual(other.Digests);
    public override int GetHashCode() => Size();
    public override void Encode(WireWriter w) { w.U64(From.Value); w.U64(To.Value); w.VarU((ulong)Digests.Length); foreach (var d in Digests) w.U64(d); }
    public override int Size() => 1 + 16 + WireWriter.VarUSize((ulong)Digests.Length) + 8 * Digests.Length;
    internal static DigestMessage Read(ref WireReader r)
    {
        var from = new RingId(r.U64("from"));
        var to = new RingId(r.U64("to"));
        int n = r.Count(8, Fanout, "digest count");
        var d = new ulong[n];
        for (int i = 0; i < n && r.Ok; i++) d[i] = r.U64("digest");
        return new DigestMessage(from, to, d);
    }
}

/// <summary>
/// Anti-entropy: every state the sender knows in [From, To]; with <see cref="WantReply"/> the receiver sends back its
/// own if they still differ. <see cref="Ages"/> has one entry per state: 0 when EDRA is done with it, else its age in
/// centiseconds plus one, so the receiver dates a state still in flight as the other hosts do.
/// </summary>
public sealed record SegmentMessage(RingId From, RingId To, bool WantReply, MembershipEvent[] States, uint[] Ages) : Message
{
    public override MessageTag Tag => MessageTag.D1htSegment;

    /// <summary>Value equality including the arrays (records compare arrays by reference).</summary>
    public bool Equals(SegmentMessage? other) => other is not null && From == other.From && To == other.To && WantReply == other.WantReply
        && States.AsSpan().SequenceEqual(other.States) && Ages.AsSpan().SequenceEqual(other.Ages);
    public override int GetHashCode() => Size();

    public override void Encode(WireWriter w)
    {
        w.U64(From.Value);
        w.U64(To.Value);
        w.Bool(WantReply);
        MembershipWire.WriteAll(w, States);
        foreach (var a in Ages) w.VarU(a);
    }

    public override int Size()
    {
        int n = 1 + 16 + 1 + MembershipWire.SizeAll(States);
        foreach (var a in Ages) n += WireWriter.VarUSize(a);
        return n;
    }

    internal static SegmentMessage Read(ref WireReader r)
    {
        var from = new RingId(r.U64("from"));
        var to = new RingId(r.U64("to"));
        bool want = r.Bool("want reply");
        var states = MembershipWire.ReadAll(ref r);
        var ages = new uint[states.Length];
        for (int i = 0; i < ages.Length && r.Ok; i++)
        {
            ulong a = r.VarU("state age");
            if (a > uint.MaxValue) r.Fail("bad segment: age out of range");
            ages[i] = (uint)a;
        }
        return new SegmentMessage(from, to, want, states, ages);
    }
}
