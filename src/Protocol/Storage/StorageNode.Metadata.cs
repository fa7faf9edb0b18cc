using VinzVault.Protocol.Core;
using VinzVault.Protocol.Storage.Metadata;
using VinzVault.Protocol.Wire;

namespace VinzVault.Protocol.Storage;

/// <summary>
/// Volume metadata operations on the registers. A volume's record lives at hash("volume:" + name); a catalog of
/// names is split into <see cref="CatalogBuckets"/> registers so that no single register holds every name. Create
/// adds the name to its bucket first and then writes the record, delete marks the record and then removes the
/// name; list reads every bucket and keeps the names whose record exists, so a half-done create or delete never
/// shows a wrong answer, only a leftover name that the next list filters out.
/// </summary>
public sealed partial class StorageNode
{
    public const int CatalogBuckets = 16;

    private static ulong CatalogKey(string name) => CatalogKeyOf((int)(StableHash.Of(name) % CatalogBuckets));
    private static ulong CatalogKeyOf(int bucket) => StableHash.Of("catalog:" + bucket);

    private static VolumeRecord RecordOf(byte[] value, string name) => VolumeRecord.Decode(value) is { } r && r.Name == name ? r : VolumeRecord.Absent(name);

    /// <summary>Runs a change on a volume's record; <paramref name="change"/> returns the next record, null to only read, or an error.</summary>
    /// <remarks>Errors are answered as a <see cref="MetadataResult"/>, or through <paramref name="failed"/> (attach and detach answer volume results).</remarks>
    private void ChangeRecord(long id, string name, Func<VolumeRecord, (VolumeRecord? Next, string? Error)> change, Action<VolumeRecord>? then = null, Action<string>? failed = null)
    {
        failed ??= error => _fx.Reply(id, new MetadataResult(false, error));
        if (System.Text.Encoding.UTF8.GetByteCount(name) is 0 or > VolumeRecord.MaxNameBytes) { failed($"a volume name has 1 to {VolumeRecord.MaxNameBytes} bytes"); return; }
        ProposeRegister(VolumeKeys.Of(name), value =>
        {
            var (next, error) = change(RecordOf(value, name));
            return new RegisterChange(next is null ? null : (next with { Version = next.Version + 1 }).Encode(), error);
        }, (value, error) =>
        {
            if (error is not null) { failed(error); return; }
            var record = RecordOf(value!, name);
            if (then is null) _fx.Reply(id, new MetadataResult(true, null, record));
            else then(record);
        });
    }

    private void CreateVolumeOp(long id, CreateVolume c)
    {
        if (c.Geometry.Validate() is { } bad) { _fx.Reply(id, new MetadataResult(false, bad)); return; }
        ChangeCatalog(c.Name, add: true, error =>
        {
            if (error is not null) { _fx.Reply(id, new MetadataResult(false, error)); return; }
            ChangeRecord(id, c.Name, r => r.Status == VolumeStatus.Active
                ? (null, $"volume {c.Name} already exists")
                : (r with { Status = VolumeStatus.Active, Geometry = c.Geometry, Policy = c.Policy, Owner = VolumeRecord.NoOwner, Epoch = r.Epoch }, null));
        });
    }

    private void DeleteVolumeOp(long id, string name) =>
        ChangeRecord(id, name, r => r.Status != VolumeStatus.Active ? (null, $"volume {name} does not exist")
            : r.Attached ? (null, $"volume {name} is attached to {r.Owner}; detach it first")
            : (r with { Status = VolumeStatus.Deleted }, null),
            record => ChangeCatalog(name, add: false, error => _fx.Reply(id, new MetadataResult(true, error, record))));

    private void ResizeVolumeOp(long id, ResizeVolume rs) =>
        ChangeRecord(id, rs.Name, r => r.Status != VolumeStatus.Active ? (null, $"volume {rs.Name} does not exist")
            : r.Attached ? (null, $"volume {rs.Name} is attached to {r.Owner}; detach it before resizing")
            : rs.Blocks < r.Geometry.Blocks ? (null, $"volume {rs.Name} has {r.Geometry.Blocks} blocks; shrinking would drop data and is refused")
            : (r.Geometry with { Blocks = rs.Blocks }).Validate() is { } bad ? (null, bad)
            : (r with { Geometry = r.Geometry with { Blocks = rs.Blocks } }, null));

    private void InfoVolumeOp(long id, string name) =>
        ChangeRecord(id, name, r => r.Status != VolumeStatus.Active ? (null, $"volume {name} does not exist") : (null, null));

    private void ListVolumesOp(long id)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        int remaining = CatalogBuckets;
        string? failed = null;
        for (int b = 0; b < CatalogBuckets; b++)
            ProposeRegister(CatalogKeyOf(b), _ => new RegisterChange(null), (value, error) =>
            {
                failed ??= error;
                if (value is not null) names.UnionWith(DecodeNames(value));
                if (--remaining == 0) FilterExisting(id, failed, names);
            });
    }

    private void FilterExisting(long id, string? failed, SortedSet<string> names)
    {
        if (failed is not null) { _fx.Reply(id, new MetadataResult(false, failed)); return; }
        var live = new SortedSet<string>(StringComparer.Ordinal);
        int remaining = names.Count;
        if (remaining == 0) { _fx.Reply(id, new MetadataResult(true, null, null, [])); return; }
        foreach (var name in names)
            ProposeRegister(VolumeKeys.Of(name), _ => new RegisterChange(null), (value, error) =>
            {
                failed ??= error;
                if (value is not null && RecordOf(value, name).Status == VolumeStatus.Active) live.Add(name);
                if (--remaining == 0) _fx.Reply(id, failed is null ? new MetadataResult(true, null, null, [.. live]) : new MetadataResult(false, failed));
            });
    }

    private void ChangeCatalog(string name, bool add, Action<string?> done) =>
        ProposeRegister(CatalogKey(name), value =>
        {
            var names = new SortedSet<string>(DecodeNames(value), StringComparer.Ordinal);
            if (!(add ? names.Add(name) : names.Remove(name))) return new RegisterChange(null);
            var encoded = EncodeNames(names);
            return encoded.Length > RegisterLimits.MaxValueBytes ? new RegisterChange(null, "the volume catalog is full") : new RegisterChange(encoded);
        }, (_, error) => done(error));

    private static byte[] EncodeNames(SortedSet<string> names)
    {
        var w = new WireWriter();
        w.VarU((ulong)names.Count);
        foreach (var n in names) w.Str(n);
        return w.Written.ToArray();
    }

    private static List<string> DecodeNames(byte[] value)
    {
        var names = new List<string>();
        if (value.Length == 0) return names;
        var r = new WireReader(value);
        int n = r.Count(1, RegisterLimits.MaxValueBytes, "names");
        for (int i = 0; i < n && r.Ok; i++) names.Add(r.Str(VolumeRecord.MaxNameBytes, "name"));
        return r.Ok ? names : [];
    }

    /// <summary>Attach: the register makes this host the owner at the next epoch; a takeover when another owner still held it.</summary>
    private void AttachByName(long id, string name)
    {
        var previous = VolumeRecord.NoOwner;
        ChangeRecord(id, name, r =>
        {
            previous = r.Owner;
            return r.Status != VolumeStatus.Active ? (null, $"volume {name} does not exist") : (r with { Owner = _self, Epoch = r.Epoch.Next }, null);
        }, record => Attach(id, record, takeover: previous != VolumeRecord.NoOwner),
        error => _fx.Reply(id, new VolumeResult(false, error)));
    }

    /// <summary>After a drain: clear the owner in the register unless a newer owner already took the volume.</summary>
    private void ReleaseOwnership(long id, string name, Epoch epoch) =>
        ChangeRecord(id, name, r => r.Owner == _self && r.Epoch == epoch ? (r with { Owner = VolumeRecord.NoOwner }, null) : (null, null),
            _ => _fx.Reply(id, VolumeResult.Done),
            error => _fx.Reply(id, new VolumeResult(false, $"drained, but the register still names this host as owner: {error}")));
}
