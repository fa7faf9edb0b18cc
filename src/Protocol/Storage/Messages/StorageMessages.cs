using VinzVault.Protocol.Wire;

namespace VinzVault.Protocol.Storage.Messages;

/// <summary>How a replica answered: done, refused because it has seen a higher owner epoch, or failed (disk error).</summary>
public enum ReplicaStatus : byte { Ok, Fenced, Failed }

/// <summary>One block in a message: its index in the chunk, version and content (empty means all zeroes).</summary>
public sealed record BlockData(int Index, BlockVersion Version, byte[] Data)
{
    public int Size() => WireWriter.VarUSize((ulong)Index) + StorageWire.VersionSize(Version) + WireWriter.BytesSize(Data.Length);

    public void Encode(WireWriter w)
    {
        w.VarU((ulong)Index);
        StorageWire.WriteVersion(w, Version);
        w.Bytes(Data);
    }

    public static BlockData Read(ref WireReader r, int maxBlockBytes) =>
        new((int)r.U32Var("block index"), StorageWire.ReadVersion(ref r), r.Bytes(maxBlockBytes, "block data"));

    public bool Equals(BlockData? other) =>
        other is not null && Index == other.Index && Version == other.Version && Data.AsSpan().SequenceEqual(other.Data);

    public override int GetHashCode() => HashCode.Combine(Index, Version, Data.Length);
}

/// <summary>The owner writes blocks of a chunk to a replica. <see cref="Full"/> marks a whole-chunk resync (every block).</summary>
public sealed record StoreWriteMessage(ulong Volume, Epoch Epoch, long Chunk, long Seq, ChunkShape Shape, bool Full, IReadOnlyList<BlockData> Blocks) : Message
{
    public override MessageTag Tag => MessageTag.StoreWrite;

    public override void Encode(WireWriter w)
    {
        w.U64(Volume); w.VarU(Epoch.Value); w.VarU((ulong)Chunk); w.VarU((ulong)Seq);
        Shape.Encode(w); w.Bool(Full);
        StorageWire.WriteBlocks(w, Blocks);
    }

    public override int Size() => 1 + 8 + WireWriter.VarUSize(Epoch.Value) + WireWriter.VarUSize((ulong)Chunk) + WireWriter.VarUSize((ulong)Seq)
        + Shape.Size() + 1 + StorageWire.BlocksSize(Blocks);

    internal static StoreWriteMessage Read(ref WireReader r)
    {
        ulong volume = r.U64("volume");
        var epoch = new Epoch(r.VarU("epoch"));
        long chunk = (long)r.VarU("chunk"), seq = (long)r.VarU("seq");
        var shape = ChunkShape.Read(ref r);
        bool full = r.Bool("full");
        return new(volume, epoch, chunk, seq, shape, full, StorageWire.ReadBlocks(ref r, shape));
    }

    public bool Equals(StoreWriteMessage? other) => other is not null && Volume == other.Volume && Epoch == other.Epoch && Chunk == other.Chunk
        && Seq == other.Seq && Shape == other.Shape && Full == other.Full && Blocks.SequenceEqual(other.Blocks);

    public override int GetHashCode() => HashCode.Combine(Volume, Chunk, Seq);
}

/// <summary>A replica's answer to a write; <see cref="Nonce"/> names its process life, so the owner sees restarts.</summary>
public sealed record StoreWriteAckMessage(ulong Volume, long Chunk, long Seq, ulong Nonce, ReplicaStatus Status, Epoch Epoch) : Message
{
    public override MessageTag Tag => MessageTag.StoreWriteAck;
    public override void Encode(WireWriter w) { w.U64(Volume); w.VarU((ulong)Chunk); w.VarU((ulong)Seq); w.U64(Nonce); w.U8((byte)Status); w.VarU(Epoch.Value); }
    public override int Size() => 1 + 8 + WireWriter.VarUSize((ulong)Chunk) + WireWriter.VarUSize((ulong)Seq) + 8 + 1 + WireWriter.VarUSize(Epoch.Value);
    internal static StoreWriteAckMessage Read(ref WireReader r) =>
        new(r.U64("volume"), (long)r.VarU("chunk"), (long)r.VarU("seq"), r.U64("nonce"), r.Enum(ReplicaStatus.Failed, "status"), new Epoch(r.VarU("epoch")));
}

/// <summary>
/// The owner reads <see cref="Count"/> blocks of a chunk from <see cref="First"/>; a higher epoch fences the replica
/// first. With <see cref="VersionsOnly"/> the reply carries each block's version without its data (a chunk's
/// version list is its digest: a sync compares them before moving any data).
/// </summary>
public sealed record StoreReadMessage(ulong Volume, Epoch Epoch, long Chunk, long RequestId, ChunkShape Shape, int First, int Count, bool VersionsOnly = false) : Message
{
    public override MessageTag Tag => MessageTag.StoreRead;

    public override void Encode(WireWriter w)
    {
        w.U64(Volume); w.VarU(Epoch.Value); w.VarU((ulong)Chunk); w.VarU((ulong)RequestId);
        Shape.Encode(w); w.VarU((ulong)First); w.VarU((ulong)Count); w.Bool(VersionsOnly);
    }

    public override int Size() => 1 + 8 + WireWriter.VarUSize(Epoch.Value) + WireWriter.VarUSize((ulong)Chunk) + WireWriter.VarUSize((ulong)RequestId)
        + Shape.Size() + WireWriter.VarUSize((ulong)First) + WireWriter.VarUSize((ulong)Count) + 1;

    internal static StoreReadMessage Read(ref WireReader r)
    {
        ulong volume = r.U64("volume");
        var epoch = new Epoch(r.VarU("epoch"));
        long chunk = (long)r.VarU("chunk"), id = (long)r.VarU("request id");
        var shape = ChunkShape.Read(ref r);
        int first = (int)r.U32Var("first"), count = (int)r.U32Var("count");
        bool versionsOnly = r.Bool("versions only");
        if (r.Ok && (long)first + count > shape.Blocks) r.Fail($"bad read range: {first}+{count} exceeds {shape.Blocks} blocks");
        return new(volume, epoch, chunk, id, shape, first, count, versionsOnly);
    }
}

/// <summary>A replica's answer to a read: the blocks with their versions, or a refusal.</summary>
public sealed record StoreReadReplyMessage(ulong Volume, long RequestId, ulong Nonce, ReplicaStatus Status, Epoch Epoch, ChunkShape Shape, IReadOnlyList<BlockData> Blocks) : Message
{
    public override MessageTag Tag => MessageTag.StoreReadReply;

    public override void Encode(WireWriter w)
    {
        w.U64(Volume); w.VarU((ulong)RequestId); w.U64(Nonce); w.U8((byte)Status); w.VarU(Epoch.Value);
        Shape.Encode(w);
        StorageWire.WriteBlocks(w, Blocks);
    }

    public override int Size() => 1 + 8 + WireWriter.VarUSize((ulong)RequestId) + 8 + 1 + WireWriter.VarUSize(Epoch.Value) + Shape.Size() + StorageWire.BlocksSize(Blocks);

    internal static StoreReadReplyMessage Read(ref WireReader r)
    {
        ulong volume = r.U64("volume");
        long id = (long)r.VarU("request id");
        ulong nonce = r.U64("nonce");
        var status = r.Enum(ReplicaStatus.Failed, "status");
        var epoch = new Epoch(r.VarU("epoch"));
        var shape = ChunkShape.Read(ref r);
        return new(volume, id, nonce, status, epoch, shape, StorageWire.ReadBlocks(ref r, shape));
    }

    public bool Equals(StoreReadReplyMessage? other) => other is not null && Volume == other.Volume && RequestId == other.RequestId && Nonce == other.Nonce
        && Status == other.Status && Epoch == other.Epoch && Shape == other.Shape && Blocks.SequenceEqual(other.Blocks);

    public override int GetHashCode() => HashCode.Combine(Volume, RequestId);
}

/// <summary>A new owner's epoch sent to a replica before its first I/O (forced takeover), also used as a liveness probe.</summary>
public sealed record StoreFenceMessage(ulong Volume, Epoch Epoch, long RequestId) : Message
{
    public override MessageTag Tag => MessageTag.StoreFence;
    public override void Encode(WireWriter w) { w.U64(Volume); w.VarU(Epoch.Value); w.VarU((ulong)RequestId); }
    public override int Size() => 1 + 8 + WireWriter.VarUSize(Epoch.Value) + WireWriter.VarUSize((ulong)RequestId);
    internal static StoreFenceMessage Read(ref WireReader r) => new(r.U64("volume"), new Epoch(r.VarU("epoch")), (long)r.VarU("request id"));
}

/// <summary>A replica confirms it has durably recorded the epoch (or refuses a lower one).</summary>
public sealed record StoreFenceAckMessage(ulong Volume, long RequestId, ulong Nonce, ReplicaStatus Status, Epoch Epoch) : Message
{
    public override MessageTag Tag => MessageTag.StoreFenceAck;
    public override void Encode(WireWriter w) { w.U64(Volume); w.VarU((ulong)RequestId); w.U64(Nonce); w.U8((byte)Status); w.VarU(Epoch.Value); }
    public override int Size() => 1 + 8 + WireWriter.VarUSize((ulong)RequestId) + 8 + 1 + WireWriter.VarUSize(Epoch.Value);
    internal static StoreFenceAckMessage Read(ref WireReader r) =>
        new(r.U64("volume"), (long)r.VarU("request id"), r.U64("nonce"), r.Enum(ReplicaStatus.Failed, "status"), new Epoch(r.VarU("epoch")));
}

/// <summary>
/// The owner replaced this replica in the chunk's recorded set (the new set is in sync): drop the copy, unless it holds
/// a write newer than <see cref="Seq"/> of <see cref="Epoch"/>, the last the owner had issued on the chunk when it sent
/// this (the drop came late, and the host is a member again).
/// </summary>
public sealed record StoreDropMessage(ulong Volume, Epoch Epoch, long Chunk, long Seq) : Message
{
    public override MessageTag Tag => MessageTag.StoreDrop;
    public override void Encode(WireWriter w) { w.U64(Volume); w.VarU(Epoch.Value); w.VarU((ulong)Chunk); w.VarU((ulong)Seq); }
    public override int Size() => 1 + 8 + WireWriter.VarUSize(Epoch.Value) + WireWriter.VarUSize((ulong)Chunk) + WireWriter.VarUSize((ulong)Seq);
    internal static StoreDropMessage Read(ref WireReader r) => new(r.U64("volume"), new Epoch(r.VarU("epoch")), (long)r.VarU("chunk"), (long)r.VarU("seq"));
}

/// <summary>
/// A replica asks the volume's owner whether it may drop its copy of a chunk (the recorded replica set no longer
/// names it); the owner answers with <see cref="StoreDropMessage"/> when its own view of the chunk leaves the host out.
/// </summary>
public sealed record StoreDropQueryMessage(ulong Volume, long Chunk) : Message
{
    public override MessageTag Tag => MessageTag.StoreDropQuery;
    public override void Encode(WireWriter w) { w.U64(Volume); w.VarU((ulong)Chunk); }
    public override int Size() => 1 + 8 + WireWriter.VarUSize((ulong)Chunk);
    internal static StoreDropQueryMessage Read(ref WireReader r) => new(r.U64("volume"), (long)r.VarU("chunk"));
}

/// <summary>The layout a replica needs to store a chunk: block size and blocks in this chunk.</summary>
public readonly record struct ChunkShape(int BlockSizeLog2, int Blocks)
{
    public int BlockSize => 1 << BlockSizeLog2;
    public int Size() => 1 + WireWriter.VarUSize((ulong)Blocks);
    public void Encode(WireWriter w) { w.U8((byte)BlockSizeLog2); w.VarU((ulong)Blocks); }

    public static ChunkShape Read(ref WireReader r)
    {
        int log2 = r.U8("block size");
        int blocks = (int)r.U32Var("chunk blocks");
        if (r.Ok && log2 is < VolumeGeometry.MinBlockSizeLog2 or > VolumeGeometry.MaxBlockSizeLog2) r.Fail($"bad block size 2^{log2}");
        if (r.Ok && (blocks < 1 || (long)blocks << log2 > 2 << 20)) r.Fail($"bad chunk of {blocks} blocks");
        return new(log2, blocks);
    }
}

internal static class StorageWire
{
    public static int VersionSize(BlockVersion v) => WireWriter.VarUSize(v.Epoch.Value) + WireWriter.VarUSize((ulong)v.Seq);
    public static void WriteVersion(WireWriter w, BlockVersion v) { w.VarU(v.Epoch.Value); w.VarU((ulong)v.Seq); }
    public static BlockVersion ReadVersion(ref WireReader r) => new(new Epoch(r.VarU("epoch")), (long)r.VarU("seq"));

    public static int BlocksSize(IReadOnlyList<BlockData> blocks)
    {
        int n = WireWriter.VarUSize((ulong)blocks.Count);
        foreach (var b in blocks) n += b.Size();
        return n;
    }

    public static void WriteBlocks(WireWriter w, IReadOnlyList<BlockData> blocks)
    {
        w.VarU((ulong)blocks.Count);
        foreach (var b in blocks) b.Encode(w);
    }

    public static BlockData[] ReadBlocks(ref WireReader r, ChunkShape shape)
    {
        int n = r.Count(3, shape.Blocks, "blocks");
        var blocks = new BlockData[n];
        for (int i = 0; i < n && r.Ok; i++)
        {
            blocks[i] = BlockData.Read(ref r, shape.BlockSize);
            if (r.Ok && blocks[i].Index >= shape.Blocks) r.Fail($"bad block index {blocks[i].Index}");
            if (r.Ok && blocks[i].Data.Length != 0 && blocks[i].Data.Length != shape.BlockSize) r.Fail($"bad block length {blocks[i].Data.Length}");
        }
        return r.Ok ? blocks : [];
    }
}
