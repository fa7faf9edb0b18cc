using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Membership.Messages;
using VinzVault.Protocol.Ping;
using VinzVault.Protocol.Storage;
using VinzVault.Protocol.Storage.Messages;
using VinzVault.Protocol.Storage.Metadata;
using VinzVault.Protocol.Wire;

namespace VinzVault.Protocol.Tests.Wire;

public sealed class CodecTests
{
    private static readonly Gen<long> AnyLong =
        from hi in Gen.Choose(int.MinValue, int.MaxValue)
        from lo in Gen.Choose(int.MinValue, int.MaxValue)
        from small in Gen.Choose(-300, 300)
        from pick in Gen.Elements(0, 1)
        select pick == 0 ? small : ((long)hi << 32) | (uint)lo;

    private static readonly Gen<uint> AnyUInt = Gen.Choose(int.MinValue, int.MaxValue).Select(v => (uint)v);
    private static readonly Gen<ulong> AnyULong = AnyLong.Select(v => (ulong)v);
    private static readonly Gen<long> AnyCount = AnyLong.Select(v => v & long.MaxValue);
    private static readonly Gen<Epoch> AnyEpoch = AnyULong.Select(v => new Epoch(v));
    private static readonly Gen<ReplicaStatus> AnyStatus = Gen.Elements(Enum.GetValues<ReplicaStatus>());
    private static readonly Gen<ChunkShape> AnyShape = from log2 in Gen.Choose(9, 12) from blocks in Gen.Choose(1, 8) select new ChunkShape(log2, blocks);
    private static readonly Gen<Ballot> AnyBallot = from c in AnyULong from p in AnyULong select new Ballot(c, p);
    private static readonly Gen<byte[]> AnyValue = Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b));

    private static Gen<BlockData[]> AnyBlocks(ChunkShape shape) =>
        Gen.ArrayOf(from i in Gen.Choose(0, shape.Blocks - 1)
                    from e in AnyEpoch
                    from s in AnyCount
                    from zero in Gen.Elements(true, false)
                    from fill in Gen.Choose(0, 255)
                    select new BlockData(i, new BlockVersion(e, s), zero ? [] : Enumerable.Repeat((byte)fill, shape.BlockSize).ToArray()))
            .Select(a => a.Take(shape.Blocks).ToArray());

    private static readonly Gen<RingId> AnyId = AnyULong.Select(v => new RingId(v));
    private static readonly Gen<byte> SmallByte = Gen.Choose(0, 255).Select(b => (byte)b);

    private static readonly Gen<MembershipEvent> AnyState =
        from id in AnyId
        from address in AnyULong
        from inc in AnyUInt
        from joined in Gen.Elements(true, false)
        select new MembershipEvent(id, new Address(address), inc, joined);

    private static readonly Gen<MembershipEvent[]> AnyStates = Gen.ArrayOf(AnyState);

    /// <summary>One generator per message kind: a new kind adds one line here (a test checks every tag has one).</summary>
    private static readonly Gen<Message>[] Kinds =
    [
        from seq in AnyLong from inc in AnyUInt select (Message)new PingMessage(seq, inc),
        from seq in AnyLong from inc in AnyUInt select (Message)new PongMessage(seq, inc),
        from ttl in SmallByte from sender in AnyId from inc in AnyUInt from theta in AnyUInt
        from events in Gen.ArrayOf(from e in AnyState from d in AnyId from age in AnyUInt select new EdraEvent(e, d, age))
        from seq in AnyUInt select (Message)new EdraMessage(ttl, sender, inc, theta, events, seq),
        from seq in AnyUInt select (Message)new EdraAckMessage(seq),
        from seq in AnyLong select (Message)new ProbeMessage(seq),
        from seq in AnyLong from id in AnyId from inc in AnyUInt select (Message)new ProbeReplyMessage(seq, id, inc),
        from id in AnyId from a in AnyULong from inc in AnyUInt from hops in SmallByte select (Message)new JoinRequestMessage(id, new Address(a), inc, hops),
        from i in Gen.Choose(0, int.MaxValue) from t in Gen.Choose(0, int.MaxValue) from states in AnyStates from inFlight in Gen.ArrayOf(from id in AnyId from r in AnyUInt from a in Gen.Choose(0, int.MaxValue) select new InFlightState(id, r, (uint)a)) select (Message)new TableChunkMessage(i, t, states, inFlight),
        from inc in AnyUInt select (Message)new JoinAdmittedMessage(inc),
        from id in AnyId from inc in AnyUInt select (Message)new SuspectMessage(id, inc),
        from seq in AnyLong from key in AnyId from a in AnyULong from hops in SmallByte select (Message)new LookupRequestMessage(seq, key, new Address(a), hops),
        from seq in AnyLong from id in AnyId from inc in AnyUInt from hops in SmallByte select (Message)new LookupReplyMessage(seq, id, inc, hops),
        from from_ in AnyId from to in AnyId from d in Gen.ArrayOf(AnyULong, DigestMessage.Fanout) select (Message)new DigestMessage(from_, to, d),
        from from_ in AnyId from to in AnyId from want in Gen.Elements(true, false) from states in AnyStates from ages in Gen.ArrayOf(Gen.Choose(0, int.MaxValue).Select(a => (uint)a), states.Length) select (Message)new SegmentMessage(from_, to, want, states, ages),
        from v in AnyULong from e in AnyEpoch from c in AnyCount from s in AnyCount from shape in AnyShape from full in Gen.Elements(false, true)
        from blocks in AnyBlocks(shape) select (Message)new StoreWriteMessage(v, e, c, s, shape, full, blocks),
        from v in AnyULong from c in AnyCount from s in AnyCount from n in AnyULong from st in AnyStatus from e in AnyEpoch
        select (Message)new StoreWriteAckMessage(v, c, s, n, st, e),
        from v in AnyULong from e in AnyEpoch from c in AnyCount from id in AnyCount from shape in AnyShape from first in Gen.Choose(0, shape.Blocks - 1)
        from count in Gen.Choose(0, shape.Blocks - first) select (Message)new StoreReadMessage(v, e, c, id, shape, first, count),
        from v in AnyULong from id in AnyCount from n in AnyULong from st in AnyStatus from e in AnyEpoch from shape in AnyShape
        from blocks in AnyBlocks(shape) select (Message)new StoreReadReplyMessage(v, id, n, st, e, shape, blocks),
        from v in AnyULong from e in AnyEpoch from id in AnyCount select (Message)new StoreFenceMessage(v, e, id),
        from v in AnyULong from id in AnyCount from n in AnyULong from st in AnyStatus from e in AnyEpoch select (Message)new StoreFenceAckMessage(v, id, n, st, e),
        from v in AnyULong from e in AnyEpoch from c in AnyCount from q in AnyCount select (Message)new StoreDropMessage(v, e, c, q),
        from v in AnyULong from c in AnyCount select (Message)new StoreDropQueryMessage(v, c),
        from k in AnyULong from id in AnyCount from b in AnyBallot select (Message)new RegisterPrepareMessage(k, id, b),
        from k in AnyULong from id in AnyCount from ok in Gen.Elements(true, false) from p in AnyBallot from a in AnyBallot from v in AnyValue
        select (Message)new RegisterPromiseMessage(k, id, ok, p, a, v),
        from k in AnyULong from id in AnyCount from b in AnyBallot from v in AnyValue select (Message)new RegisterAcceptMessage(k, id, b, v),
        from k in AnyULong from id in AnyCount from ok in Gen.Elements(true, false) from p in AnyBallot select (Message)new RegisterAcceptedMessage(k, id, ok, p),
    ];


    /// <summary>Any volume record survives its encoding (the register stores records as opaque bytes).</summary>
    [Property(MaxTest = 200)]
    public Property VolumeRecordsRoundTrip() => Prop.ForAll(
        (from name in Gen.Elements("a", "vm-00001", "scratch-3", "ünïcode")
         from status in Gen.Elements(Enum.GetValues<VolumeStatus>())
         from version in AnyCount
         from log2 in Gen.Choose(9, 20) from chunk in Gen.Choose(1, 64) from blocks in AnyCount from n in Gen.Choose(1, 15)
         from per in Gen.Elements<int[]?>(null, [2, 1], [1, 1, 1])
         from async in Gen.Elements<int[]?>(null, [1])
         from owner in AnyULong from epoch in AnyEpoch
         select new VolumeRecord(name, status, version, new VolumeGeometry(log2, chunk, blocks, n), new PlacementPolicy(per, async), new Address(owner), epoch)).ToArbitrary(),
        r =>
        {
            var back = VolumeRecord.Decode(r.Encode());
            Assert.NotNull(back);
            Assert.Equal(r.Encode(), back!.Encode());
            Assert.Equal(r.Digest(), back.Digest());
        });

    private static readonly Gen<Message> AnyMessage = Gen.OneOf(Kinds);

    private static readonly Gen<byte> AnyByte = Gen.Choose(0, 255).Select(b => (byte)b);

    public enum MutationKind { FlipBit, Truncate, Insert }

    /// <summary>A small corruption of an encoding; positions wrap around the length so any value applies.</summary>
    public sealed record Mutation(MutationKind Kind, int Position, byte Value)
    {
        public byte[] ApplyTo(byte[] bytes)
        {
            if (bytes.Length == 0) return Kind == MutationKind.Insert ? [Value] : bytes;
            int at = Position % bytes.Length;
            return Kind switch
            {
                MutationKind.FlipBit => [.. bytes[..at], (byte)(bytes[at] ^ (1 << (Value % 8))), .. bytes[(at + 1)..]],
                MutationKind.Truncate => bytes[..at],
                _ => [.. bytes[..at], Value, .. bytes[at..]],
            };
        }
    }

    private static readonly Gen<Mutation> AnyMutation =
        from kind in Gen.Elements(Enum.GetValues<MutationKind>())
        from position in Gen.Choose(0, int.MaxValue)
        from value in AnyByte
        select new Mutation(kind, position, value);

    /// <summary>Decoding gave exactly one of a message or an error, and a decoded message survives its own round trip.</summary>
    private static bool DecodesOrReportsAnError(byte[] bytes)
    {
        var d = Codec.Decode(bytes);
        if (!d.Ok) return !string.IsNullOrEmpty(d.Error);
        return d.Error is null && Codec.Decode(Codec.Encode(d.Message!)).Message == d.Message;
    }

    [Fact]
    public void EveryMessageTagHasExactlyOneGenerator()
    {
        var tags = Kinds.Select(g => g.Sample(1).First().Tag).Order();
        Assert.Equal(Enum.GetValues<MessageTag>().Order(), tags);
    }

    [Property]
    public Property EveryMessageKindRoundTrips() =>
        Prop.ForAll(Arb.From(AnyMessage), m => Codec.Decode(Codec.Encode(m)) is { Ok: true } d && d.Message == m);

    [Property]
    public Property SizeIsTheEncodedLength() =>
        Prop.ForAll(Arb.From(AnyMessage), m => m.Size() == Codec.Encode(m).Length);

    [Property]
    public Property RandomBytesNeverThrowAndDecodeOrReportAnError() =>
        Prop.ForAll(Arb.From(Gen.ArrayOf(AnyByte)), DecodesOrReportsAnError);

    [Property]
    public Property MutatedEncodingsNeverThrowAndDecodeOrReportAnError() =>
        Prop.ForAll(
            Arb.From(from m in AnyMessage from mutations in Gen.NonEmptyListOf(AnyMutation) select (m, mutations)),
            t => DecodesOrReportsAnError(t.mutations.Aggregate(Codec.Encode(t.m), (bytes, mutation) => mutation.ApplyTo(bytes))));

    [Fact]
    public void AnEmptyMessageIsAnError() => Assert.Equal("empty message", Codec.Decode([]).Error);

    [Fact]
    public void AnUnknownTagIsAnError() => Assert.Equal("unknown message tag 255", Codec.Decode([255]).Error);
}
