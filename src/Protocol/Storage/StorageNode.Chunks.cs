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
        public int Resends;
    }

    private sealed class Inflight(StoreWriteMessage msg, Action onQuorum, int replicas)
    {
        public readonly StoreWriteMessage Msg = msg;
        public readonly Action OnQuorum = onQuorum;
        public readonly bool[] Acked = new bool[replicas];
    }

    /// <summary>
    /// The owner's view of one chunk. Its members are the replica set recorded in the volume's register (or the
    /// default placement); while a dead member is being replaced, the replacement joins as an extra member and
    /// every quorum must be a majority of both the recorded set and the next one (joint consensus), so the switch
    /// in the register can happen at any moment without an acknowledged write missing a majority of either.
    /// </summary>
    private sealed class OwnedChunk(long index, Address[] replicas, bool[] isSync, ChunkShape shape)
    {
        public readonly long Index = index;
        public Address[] Replicas = replicas;
        public bool[] IsSync = isSync;
        public readonly ChunkShape Shape = shape;
        public Track[] Tracks = [.. replicas.Select(_ => new Track())];
        public bool[] FenceAcked = new bool[replicas.Length];
        /// <summary>Member of the recorded set; member of the next set (only differs while replacing).</summary>
        public bool[] InOld = [.. replicas.Select(_ => true)], InNew = [.. replicas.Select(_ => true)];
        /// <summary>Replacing: a joining member is last; Recording: the next set is being written to the register; Recorded: it is there.</summary>
        public bool Replacing, Recording, Recorded;
        /// <summary>The replacement moves the chunk onto a joined host (the leaving member is alive).</summary>
        public bool Rebalancing;
        public Micros ReplaceStarted;
        public ChunkState State;
        public long NextSeq = 1, MaxAcked;
        public readonly SortedDictionary<long, Inflight> Inflight = [];
        public readonly List<BlockTask> Waiting = [];
        public PendingRead? Sync;
        public bool Repairing;

        public int IndexOf(Address a) => Array.IndexOf(Replicas, a);

        /// <summary>True when the members for which <paramref name="yes"/> holds are a majority of the synchronous members of the recorded set, and of the next set while replacing.</summary>
        public bool HasQuorum(Func<int, bool> yes) => Majority(InOld, yes) && (!Replacing || Majority(InNew, yes));

        public bool HasQuorum(bool[] acked) => HasQuorum(i => acked[i]);

        private bool Majority(bool[] set, Func<int, bool> yes)
        {
            int members = 0, n = 0;
            for (int i = 0; i < Replicas.Length; i++)
            {
                if (!set[i] || !IsSync[i]) continue;
                members++;
                if (yes(i)) n++;
            }
            return n >= members / 2 + 1;
        }

        /// <summary>Replicas holding every acknowledged write of this chunk.</summary>
        public bool InSync(int i) => Tracks[i].Contig >= 0 && Tracks[i].Contig >= MaxAcked;

        /// <summary>
        /// Every member of the recorded set, or of the next set while replacing, holds every acknowledged write (the next
        /// set is placed per policy like the recorded one). A chunk moving onto a joined host is fully replicated while
        /// the joiner catches up; one replacing a dead member once the replacement is in sync. A sync under way does
        /// not change which members hold every acknowledged write; before the first sync none is known to.
        /// </summary>
        public bool FullyReplicated => State != ChunkState.Unknown && (AllInSync(InOld) || (Replacing && AllInSync(InNew)));

        private bool AllInSync(bool[] set) => Enumerable.Range(0, Replicas.Length).All(i => !set[i] || InSync(i));

        /// <summary>Starts replacing member <paramref name="leaving"/> by <paramref name="joining"/> (extra member, next set).</summary>
        public void BeginReplace(int leaving, Address joining, bool joiningIsSync)
        {
            Replicas = [.. Replicas, joining];
            IsSync = [.. IsSync, joiningIsSync];
            Tracks = [.. Tracks, new Track()];
            FenceAcked = [.. FenceAcked, false];
            InOld = [.. InOld, false];
            InNew = [.. InNew, true];
            InNew[leaving] = false;
            Replacing = true;
        }

        /// <summary>The next set is recorded: it becomes the only set; returns the members that left.</summary>
        public Address[] FinishReplace() => Keep(InNew);

        /// <summary>The joining member never caught up: back to the recorded set; returns the joiner.</summary>
        public Address[] CancelReplace() => Keep(InOld);

        private Address[] Keep(bool[] mask)
        {
            var keep = Enumerable.Range(0, Replicas.Length).Where(i => mask[i]).ToArray();
            var gone = Enumerable.Range(0, Replicas.Length).Where(i => !mask[i]).Select(i => Replicas[i]).ToArray();
            Replicas = [.. keep.Select(i => Replicas[i])];
            IsSync = [.. keep.Select(i => IsSync[i])];
            Tracks = [.. keep.Select(i => Tracks[i])];
            FenceAcked = [.. keep.Select(i => FenceAcked[i])];
            InOld = [.. keep.Select(_ => true)];
            InNew = [.. keep.Select(_ => true)];
            Replacing = Recording = Recorded = Rebalancing = false;
            return gone;
        }

        public Address[] NextSet => [.. Enumerable.Range(0, Replicas.Length).Where(i => InNew[i]).Select(i => Replicas[i])];

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
        var replicas = v.Overrides.TryGetValue(c, out var recorded) ? recorded : Placement.Replicas(_table, _locations, v.Spec.Key, c, g.Replicas, v.Spec.Policy);
        var isSync = replicas.Select(a => !v.Spec.Policy.IsAsync(_locations.Of(a).Datacenter)).ToArray();
        chunk = new OwnedChunk(c, replicas, isSync, new ChunkShape(g.BlockSizeLog2, g.BlocksIn(c)));
        v.Chunks[c] = chunk;
        return chunk;
    }

    /// <summary>For a checker's message: each chunk not fully replicated and its replicas that are behind.</summary>
    public string DescribeUnderReplicated(string volume)
    {
        if (!_owned.TryGetValue(volume, out var v)) return "not owned here";
        var parts = new List<string>();
        for (long c = 0; c < v.Spec.Geometry.Chunks; c++)
        {
            if (!v.Chunks.TryGetValue(c, out var chunk)) { parts.Add($"chunk {c} never synced"); continue; }
            if (chunk.FullyReplicated) continue;
            var behind = Enumerable.Range(0, chunk.Replicas.Length).Where(i => !chunk.InSync(i))
                .Select(i => $"{chunk.Replicas[i]} (contiguous to {chunk.Tracks[i].Contig} of {chunk.MaxAcked}, {chunk.Tracks[i].Pending.Count} pending)");
            string replacing = chunk.Replacing ? $" replacing with {chunk.Replicas[^1]}{(chunk.Recorded ? " (recorded)" : chunk.Recording ? " (recording)" : "")}" : "";
            parts.Add($"chunk {c} {chunk.State}{(chunk.Repairing ? " repairing" : "")}{replacing}: {string.Join(", ", behind)}");
        }
        return string.Join("; ", parts);
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
