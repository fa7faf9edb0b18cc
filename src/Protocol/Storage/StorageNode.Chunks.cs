using VinzVault.Protocol.Core;
using VinzVault.Protocol.Storage.Messages;

namespace VinzVault.Protocol.Storage;

/// <summary>
/// Owner side, per-chunk bookkeeping. Writes are numbered per chunk within the epoch; for each replica the owner
/// keeps <see cref="Track.Contig"/>, the number up to which that replica acknowledged every write (a full-chunk
/// resync counts as all earlier ones). A replica whose Contig covers the chunk's highest acknowledged write holds
/// every acknowledged block, so one read from it is enough.
/// </summary>
public sealed partial class StorageNode
{
    private enum ChunkState : byte { Unknown, Syncing, Known }

    private sealed class Track
    {
        /// <summary>-1: not in sync (unknown since attach, restarted, or given up on).</summary>
        public long Contig = -1;
        public readonly SortedSet<long> Above = [];
        public ulong Nonce;
        /// <summary>First send of the oldest write given up on (the replica was unreachable); null when none.</summary>
        public Micros? BehindSince;
        public readonly SortedDictionary<long, Outgoing> Pending = [];

        public void Forget() { Contig = -1; Above.Clear(); }

        public void Acked(long seq, bool full)
        {
            if (full && seq > Contig) { Contig = seq; Above.RemoveWhere(s => s <= seq); }
            else if (seq > Contig) Above.Add(seq);
            while (Contig >= 0 && Above.Remove(Contig + 1)) Contig++;
        }
    }

    private sealed class Outgoing(StoreWriteMessage msg, Micros sent)
    {
        public readonly StoreWriteMessage Msg = msg;
        public readonly Micros FirstSent = sent;
        public Micros LastSent = sent;
    }

    private sealed class Inflight(StoreWriteMessage msg, Action onQuorum, int replicas)
    {
        public readonly StoreWriteMessage Msg = msg;
        public readonly Action OnQuorum = onQuorum;
        public readonly bool[] Acked = new bool[replicas];
    }

    private sealed class OwnedChunk(long index, Address[] replicas, bool[] isSync, ChunkShape shape)
    {
        public readonly long Index = index;
        public readonly Address[] Replicas = replicas;
        public readonly bool[] IsSync = isSync;
        public readonly ChunkShape Shape = shape;
        public readonly int Quorum = isSync.Count(s => s) / 2 + 1;
        public readonly Track[] Tracks = [.. replicas.Select(_ => new Track())];
        public readonly bool[] FenceAcked = new bool[replicas.Length];
        public ChunkState State;
        public long NextSeq = 1, MaxAcked;
        public readonly SortedDictionary<long, Inflight> Inflight = [];
        public readonly List<BlockTask> Waiting = [];
        public PendingRead? Sync;
        public bool Repairing;

        public int IndexOf(Address a) => Array.IndexOf(Replicas, a);

        public int SyncAcks(bool[] acked)
        {
            int n = 0;
            for (int i = 0; i < acked.Length; i++) if (acked[i] && IsSync[i]) n++;
            return n;
        }

        /// <summary>Replicas holding every acknowledged write of this chunk.</summary>
        public bool InSync(int i) => Tracks[i].Contig >= 0 && Tracks[i].Contig >= MaxAcked;

        public bool FullyReplicated => State == ChunkState.Known && Enumerable.Range(0, Replicas.Length).All(InSync);

        public void Abandon()
        {
            Inflight.Clear();
            Waiting.Clear();
            Sync = null;
            foreach (var t in Tracks) t.Pending.Clear();
        }
    }

    private OwnedChunk GetChunk(OwnedVolume v, long c)
    {
        if (v.Chunks.TryGetValue(c, out var chunk)) return chunk;
        var g = v.Spec.Geometry;
        var replicas = Placement.Replicas(_table, _locations, v.Spec.Key, c, g.Replicas, v.Spec.Policy);
        var isSync = replicas.Select(a => !v.Spec.Policy.IsAsync(_locations.Of(a).Datacenter)).ToArray();
        chunk = new OwnedChunk(c, replicas, isSync, new ChunkShape(g.BlockSizeLog2, g.BlocksIn(c)));
        v.Chunks[c] = chunk;
        return chunk;
    }

    /// <summary>Chunks of the volume not fully replicated by this owner's knowledge (unknown chunks count).</summary>
    public int UnderReplicatedChunks(string volume)
    {
        if (!_owned.TryGetValue(volume, out var v) || v.State != VolumeState.Active) return -1;
        int n = 0;
        for (long c = 0; c < v.Spec.Geometry.Chunks; c++)
            if (!v.Chunks.TryGetValue(c, out var chunk) || !chunk.FullyReplicated) n++;
        return n;
    }
}
