using System.Buffers.Binary;

namespace VinzVault.Protocol.Node;

/// <summary>
/// A host's session number kept on disk: each boot (or refutation) reads the stored value and stores one more,
/// synced before anyone hears of the session, so a later session always outranks an earlier one.
/// </summary>
public sealed class DurableIncarnation(ulong file)
{
    /// <summary>Disk request ids this uses; a node keeps its other disk ids clear of them.</summary>
    public const long ReadId = 1, WriteId = 2, SyncId = 3;

    /// <summary>The durable incarnation: it changes only once the next one is synced (a member refuting keeps talking meanwhile).</summary>
    public uint Value { get; private set; }

    private uint _next;

    /// <summary>Starts a new session: read the stored incarnation.</summary>
    public void Begin(Effects effects) => effects.Disk(ReadId, new DiskOp(DiskOpKind.Read, file, 0, null, 4));

    /// <summary>Feeds a disk completion; true once the new incarnation is durable. A failed sync starts again from the read.</summary>
    public bool OnDisk(long id, DiskResult result, Effects effects)
    {
        switch (id)
        {
            case ReadId:
                uint stored = result.Ok && result.Data is { Length: 4 } d ? BinaryPrimitives.ReadUInt32LittleEndian(d) : 0;
                _next = stored + 1;
                var bytes = new byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, _next);
                effects.Disk(WriteId, new DiskOp(DiskOpKind.Write, file, 0, bytes));
                effects.Disk(SyncId, new DiskOp(DiskOpKind.Sync, file));
                return false;
            case SyncId when result.Ok:
                Value = _next;
                return true;
            case SyncId:
                Begin(effects);
                return false;
            default:
                return false;
        }
    }
}
