using VinzVault.Protocol.Core;
using VinzVault.Protocol.Wire;

namespace VinzVault.Protocol.Storage.Metadata;

public enum VolumeStatus : byte { Absent, Active, Deleted }

/// <summary>
/// A volume as the metadata register holds it. <see cref="Version"/> counts the register's changes, so every
/// committed change has a distinct version and a reader can tell which change it saw (the linearizability checker
/// relies on it). <see cref="Owner"/> is <see cref="NoOwner"/> when the volume is detached.
/// </summary>
/// <remarks>
/// <see cref="Replaced"/> holds the replica set of each chunk whose default placement an owner replaced (a member
/// died): replica sets change only through this register, so a new owner always finds the set the last one wrote to.
/// </remarks>
public sealed record VolumeRecord(string Name, VolumeStatus Status, long Version, VolumeGeometry Geometry, PlacementPolicy Policy, Address Owner, Epoch Epoch,
    IReadOnlyDictionary<long, Address[]>? Replaced = null)
{
    public const int MaxReplaced = 1024;

    public static readonly Address NoOwner = new(ulong.MaxValue);
    public const int MaxNameBytes = 200;

    public bool Attached => Owner != NoOwner;

    public static VolumeRecord Absent(string name) =>
        new(name, VolumeStatus.Absent, 0, new VolumeGeometry(12, 1, 1, 1), PlacementPolicy.Anywhere, NoOwner, default);

    public VolumeSpec Spec => new(Name, Geometry, Policy);

    /// <summary>A digest of the whole record, for checkers that compare what two readers saw.</summary>
    public ulong Digest()
    {
        ulong h = (ulong)Version;
        foreach (byte b in Encode()) h = StableHash.Combine(h, b);
        return h;
    }

    public byte[] Encode()
    {
        var w = new WireWriter(64 + Name.Length);
        w.Str(Name);
        w.U8((byte)Status);
        w.VarU((ulong)Version);
        w.U8((byte)Geometry.BlockSizeLog2);
        w.VarU((ulong)Geometry.ChunkBlocks);
        w.VarU((ulong)Geometry.Blocks);
        w.U8((byte)Geometry.Replicas);
        WriteInts(w, Policy.PerDatacenter);
        WriteInts(w, Policy.AsyncDatacenters);
        w.U64(Owner.Value);
        w.VarU(Epoch.Value);
        var replaced = Replaced ?? new SortedDictionary<long, Address[]>();
        w.VarU((ulong)replaced.Count);
        foreach (var (chunk, set) in replaced.OrderBy(kv => kv.Key))
        {
            w.VarU((ulong)chunk);
            w.VarU((ulong)set.Length);
            foreach (var a in set) w.U64(a.Value);
        }
        return w.Written.ToArray();
    }

    /// <summary>Null when the bytes are not a record (a register that never held one reads as absent).</summary>
    public static VolumeRecord? Decode(ReadOnlySpan<byte> bytes)
    {
        var r = new WireReader(bytes);
        string name = r.Str(MaxNameBytes, "name");
        var status = r.Enum(VolumeStatus.Deleted, "status");
        long version = (long)r.VarU("version");
        var g = new VolumeGeometry(r.U8("block size"), (int)r.U32Var("chunk blocks"), (long)r.VarU("blocks"), r.U8("replicas"));
        var per = ReadInts(ref r);
        var async = ReadInts(ref r);
        var owner = new Address(r.U64("owner"));
        var epoch = new Epoch(r.VarU("epoch"));
        var replaced = new SortedDictionary<long, Address[]>();
        int n = r.Count(3, MaxReplaced, "replaced chunks");
        for (int i = 0; i < n && r.Ok; i++)
        {
            long chunk = (long)r.VarU("chunk");
            var set = new Address[r.Count(8, 16, "replicas")];
            for (int k = 0; k < set.Length; k++) set[k] = new Address(r.U64("replica"));
            replaced[chunk] = set;
        }
        if (!r.Ok || r.Remaining != 0) return null;
        return new VolumeRecord(name, status, version, g, new PlacementPolicy(per, async), owner, epoch, replaced);
    }

    private static void WriteInts(WireWriter w, IReadOnlyList<int>? xs)
    {
        w.VarU(xs is null ? 0 : (ulong)xs.Count + 1);
        if (xs is not null) foreach (int x in xs) w.VarU((ulong)x);
    }

    private static int[]? ReadInts(ref WireReader r)
    {
        int n = (int)r.U32Var("count");
        if (n == 0 || n > 16) { if (n > 16) r.Fail("too many datacenters"); return null; }
        var xs = new int[n - 1];
        for (int i = 0; i < xs.Length; i++) xs[i] = (int)r.U32Var("count");
        return xs;
    }
}
