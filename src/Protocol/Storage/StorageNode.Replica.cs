using System.Buffers.Binary;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Node;
using VinzVault.Protocol.Storage.Messages;
using VinzVault.Protocol.Storage.Metadata;
using VinzVault.Protocol.Wire;

namespace VinzVault.Protocol.Storage;

/// <summary>
/// Replica side: per volume the highest owner epoch (durable, two alternating slots so a torn write never loses the
/// previous value), per chunk a file of slots [epoch][seq][checksum][data]. State loads lazily on first use after a
/// start; requests wait meanwhile. A write is acknowledged only after its blocks and the epoch are synced.
/// </summary>
public sealed partial class StorageNode
{
    private const int SlotHeader = 24;

    private sealed class ReplicaVolume
    {
        public Epoch Epoch, DurableEpoch;
        public bool Loaded, Loading;
        public readonly List<(Address From, Message Message)> Waiting = [];
        public readonly List<(Epoch Epoch, Action Then)> OnDurable = [];
        public readonly SortedDictionary<long, ReplicaChunk> Chunks = [];
    }

    private sealed class ReplicaChunk(ChunkShape shape)
    {
        public readonly ChunkShape Shape = shape;
        public readonly BlockVersion[] Versions = new BlockVersion[shape.Blocks];
        public readonly byte[]?[] Data = new byte[]?[shape.Blocks];
        public bool Loaded, Loading;
        public readonly List<(Address From, Message Message)> Waiting = [];
        /// <summary>Writes (owner epoch, sequence number) whose disk work is under way: a retransmitted copy is not applied again.</summary>
        public readonly SortedSet<(ulong, long)> Applying = [];
    }

    private readonly SortedDictionary<ulong, ReplicaVolume> _replicas = [];

    /// <summary>Versions this host holds for a chunk, or null when it holds none loaded (for checkers and tests).</summary>
    public BlockVersion[]? HeldVersions(ulong volume, long chunk) =>
        _replicas.TryGetValue(volume, out var v) && v.Chunks.TryGetValue(chunk, out var c) && c.Loaded ? c.Versions : null;

    private void OnReplicaRequest(Address from, Message m, ulong volume, Epoch epoch)
    {
        if (!_heldLoaded) { _heldWaiting.Add((from, m)); return; }
        // Fences and drops concern no copy's content; a fenced request still shows the copy is in use.
        Touch(volume, m switch { StoreWriteMessage x => x.Chunk, StoreReadMessage x => x.Chunk, _ => -1 });
        if (!_replicas.TryGetValue(volume, out var v)) _replicas[volume] = v = new ReplicaVolume();
        if (!v.Loaded)
        {
            v.Waiting.Add((from, m));
            if (!v.Loading) LoadEpoch(volume, v);
            return;
        }
        if (epoch < v.Epoch)
        {
            ReplyToRequest(from, m, ReplicaStatus.Fenced, v.Epoch, []);
            return;
        }
        RaiseEpoch(volume, v, epoch);
        switch (m)
        {
            case StoreFenceMessage:
                WhenDurable(v, epoch, () => ReplyToRequest(from, m, ReplicaStatus.Ok, epoch, []));
                break;
            case StoreDropMessage d:
                // The owner recorded a new replica set without this host, in sync: the copy is garbage now. Unless a
                // write issued after the drop reached it first (reordered links, or a reconnect): then the owner has
                // taken this host back (as a joiner it is written back in full) and the copy is in use.
                if (!WrittenSince(v, d.Chunk, new BlockVersion(d.Epoch, d.Seq))) DropCopy(volume, v, d.Chunk);
                break;
            case StoreReadMessage r when Chunk(v, volume, r.Chunk, r.Shape, from, m) is { } c:
                var blocks = new BlockData[r.Count];
                for (int i = 0; i < r.Count; i++) blocks[i] = new BlockData(r.First + i, c.Versions[r.First + i], r.VersionsOnly ? [] : c.Data[r.First + i] ?? []);
                WhenDurable(v, epoch, () => ReplyToRequest(from, m, ReplicaStatus.Ok, epoch, blocks));
                break;
            case StoreWriteMessage w when Chunk(v, volume, w.Chunk, w.Shape, from, m) is { } c:
                ApplyWrite(volume, v, c, from, w);
                break;
            default:
                break;
        }
    }

    /// <summary>True when the copy holds, or is about to apply, a write newer than <paramref name="version"/>.</summary>
    private static bool WrittenSince(ReplicaVolume v, long chunk, BlockVersion version)
    {
        if (!v.Chunks.TryGetValue(chunk, out var c)) return false;
        foreach (var b in c.Versions) if (b > version) return true;
        foreach (var (_, m) in c.Waiting)
            if (m is StoreWriteMessage w && new BlockVersion(w.Epoch, w.Seq) > version) return true;
        return false;
    }

    /// <summary>The loaded chunk, or null after queueing the request until it is loaded (or refusing a shape mismatch).</summary>
    private ReplicaChunk? Chunk(ReplicaVolume v, ulong volume, long index, ChunkShape shape, Address from, Message m)
    {
        if (!v.Chunks.TryGetValue(index, out var c)) v.Chunks[index] = c = new ReplicaChunk(shape);
        if (c.Shape != shape)
        {
            ReplyToRequest(from, m, ReplicaStatus.Failed, v.Epoch, []);
            return null;
        }
        if (c.Loaded) return c;
        c.Waiting.Add((from, m));
        if (!c.Loading) LoadChunk(volume, v, index, c);
        return null;
    }

    private void ApplyWrite(ulong volume, ReplicaVolume v, ReplicaChunk c, Address from, StoreWriteMessage w)
    {
        // A copy of a write still being applied: its acknowledgement goes out when the disk is done.
        if (!c.Applying.Add((w.Epoch.Value, w.Seq))) return;
        var ops = new List<DiskOp>();
        ulong file = VolumeKeys.ChunkFile(volume, w.Chunk);
        int slot = SlotHeader + c.Shape.BlockSize;
        foreach (var b in w.Blocks)
        {
            // Equal versions are rewritten: a retransmit after a failed disk write must reach the disk.
            if (b.Version < c.Versions[b.Index]) continue;
            c.Versions[b.Index] = b.Version;
            c.Data[b.Index] = b.Data.Length == 0 ? null : b.Data;
            ops.Add(new DiskOp(DiskOpKind.Write, file, (long)b.Index * slot, EncodeSlot(b.Version, b.Data, c.Shape.BlockSize)));
        }
        if (ops.Count > 0)
        {
            ops.Add(new DiskOp(DiskOpKind.Sync, file));
            ops.InsertRange(0, ListCopy(volume, w.Chunk));
        }
        var epoch = w.Epoch;
        DiskBatch(ops, ok =>
        {
            c.Applying.Remove((w.Epoch.Value, w.Seq));
            WhenDurable(v, epoch, () =>
                _fx.Send(from, new StoreWriteAckMessage(volume, w.Chunk, w.Seq, _nonce, ok ? ReplicaStatus.Ok : ReplicaStatus.Failed, v.Epoch)));
        });
    }

    private void ReplyToRequest(Address from, Message m, ReplicaStatus status, Epoch epoch, BlockData[] blocks)
    {
        switch (m)
        {
            case StoreFenceMessage f: _fx.Send(from, new StoreFenceAckMessage(f.Volume, f.RequestId, _nonce, status, epoch)); break;
            case StoreReadMessage r: _fx.Send(from, new StoreReadReplyMessage(r.Volume, r.RequestId, _nonce, status, epoch, r.Shape, blocks)); break;
            case StoreWriteMessage w: _fx.Send(from, new StoreWriteAckMessage(w.Volume, w.Chunk, w.Seq, _nonce, status, epoch)); break;
            default: break;
        }
    }

    private void RaiseEpoch(ulong volume, ReplicaVolume v, Epoch epoch)
    {
        if (epoch <= v.Epoch) return;
        v.Epoch = epoch;
        PersistEpoch(volume, v, epoch);
    }

    /// <summary>Runs <paramref name="then"/> once the volume's durable epoch reaches <paramref name="epoch"/>.</summary>
    private static void WhenDurable(ReplicaVolume v, Epoch epoch, Action then)
    {
        if (v.DurableEpoch >= epoch) then();
        else v.OnDurable.Add((epoch, then));
    }

    private void PersistEpoch(ulong volume, ReplicaVolume v, Epoch epoch)
    {
        ulong file = VolumeKeys.EpochFile(volume);
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, epoch.Value);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), StableHash.Mix(epoch.Value ^ 0x5eed));
        DiskBatch([new DiskOp(DiskOpKind.Write, file, (long)(epoch.Value & 1) * 16, bytes), new DiskOp(DiskOpKind.Sync, file)], ok =>
        {
            if (!ok)
            {
                // Retry until the disk takes it; requests at this epoch wait.
                if (v.DurableEpoch < epoch && v.Epoch == epoch) PersistEpoch(volume, v, epoch);
                return;
            }
            if (epoch > v.DurableEpoch) v.DurableEpoch = epoch;
            var ready = v.OnDurable.FindAll(x => x.Epoch <= v.DurableEpoch);
            v.OnDurable.RemoveAll(x => x.Epoch <= v.DurableEpoch);
            foreach (var (_, then) in ready) then();
        });
    }

    private void LoadEpoch(ulong volume, ReplicaVolume v)
    {
        v.Loading = true;
        Disk(new DiskOp(DiskOpKind.Read, VolumeKeys.EpochFile(volume), 0, null, 32), r =>
        {
            if (!r.Ok) { LoadEpoch(volume, v); return; }
            ulong best = 0;
            var d = r.Data ?? [];
            for (int s = 0; s + 16 <= d.Length; s += 16)
            {
                ulong e = BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(s));
                if (BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(s + 8)) == StableHash.Mix(e ^ 0x5eed)) best = Math.Max(best, e);
            }
            v.Epoch = v.DurableEpoch = new Epoch(best);
            if (best == 0) { LearnEpochFromRegister(volume, v); return; }
            v.Loaded = true;
            Redeliver(v.Waiting);
        });
    }

    /// <summary>
    /// A replica that never saw the volume (newly placed, or its disk was lost) reads the owner epoch from the
    /// volume's register before it accepts anything; otherwise a deposed owner could get a write at its old epoch
    /// acknowledged here. The register is where the epoch is durable, so the replica reads it again after a restart.
    /// </summary>
    private void LearnEpochFromRegister(ulong volume, ReplicaVolume v) =>
        ProposeRegister(volume, _ => new RegisterChange(null), (value, error) =>
        {
            if (error is not null) { LearnEpochFromRegister(volume, v); return; }
            if (VolumeRecord.Decode(value!) is { } r && r.Epoch > v.Epoch) v.Epoch = v.DurableEpoch = r.Epoch;
            v.Loaded = true;
            Redeliver(v.Waiting);
        });

    private void LoadChunk(ulong volume, ReplicaVolume v, long index, ReplicaChunk c)
    {
        c.Loading = true;
        int slot = SlotHeader + c.Shape.BlockSize;
        Disk(new DiskOp(DiskOpKind.Read, VolumeKeys.ChunkFile(volume, index), 0, null, slot * c.Shape.Blocks), r =>
        {
            if (!r.Ok) { LoadChunk(volume, v, index, c); return; }
            var d = r.Data ?? [];
            for (int i = 0; i < c.Shape.Blocks && (i + 1) * slot <= d.Length; i++)
                DecodeSlot(d.AsSpan(i * slot, slot), out c.Versions[i], out c.Data[i]);
            c.Loaded = true;
            Redeliver(c.Waiting);
        });
    }

    private void Redeliver(List<(Address From, Message Message)> waiting)
    {
        var items = waiting.ToArray();
        waiting.Clear();
        foreach (var (from, m) in items) OnMessage(from, m);
    }

    private static byte[] EncodeSlot(BlockVersion version, byte[] data, int blockSize)
    {
        var slot = new byte[SlotHeader + blockSize];
        BinaryPrimitives.WriteUInt64LittleEndian(slot, version.Epoch.Value);
        BinaryPrimitives.WriteInt64LittleEndian(slot.AsSpan(8), version.Seq);
        data.CopyTo(slot.AsSpan(SlotHeader));
        BinaryPrimitives.WriteUInt64LittleEndian(slot.AsSpan(16), SlotChecksum(version, slot.AsSpan(SlotHeader)));
        return slot;
    }

    /// <summary>A slot whose checksum does not match (torn, never written) holds nothing; the owner resyncs it.</summary>
    private static void DecodeSlot(ReadOnlySpan<byte> slot, out BlockVersion version, out byte[]? data)
    {
        version = new BlockVersion(new Epoch(BinaryPrimitives.ReadUInt64LittleEndian(slot)), BinaryPrimitives.ReadInt64LittleEndian(slot[8..]));
        var body = slot[SlotHeader..];
        if (version.IsNone || BinaryPrimitives.ReadUInt64LittleEndian(slot[16..]) != SlotChecksum(version, body))
        {
            version = BlockVersion.None;
            data = null;
            return;
        }
        data = body.ContainsAnyExcept((byte)0) ? body.ToArray() : null;
    }

    private static ulong SlotChecksum(BlockVersion v, ReadOnlySpan<byte> data)
    {
        ulong h = StableHash.Combine(v.Epoch.Value, (ulong)v.Seq);
        for (int i = 0; i + 8 <= data.Length; i += 8) h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(data[i..])) * 1099511628211UL;
        return StableHash.Mix(h);
    }
}
