using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;

namespace VinzVault.Protocol.Tests.Membership;

/// <summary>One step of a generated history: an event to apply, then a query at <see cref="Probe"/>.</summary>
public sealed record TableOp(MembershipEvent Event, ulong Probe, int K)
{
    public override string ToString() => $"{Event} probe {Probe:x} k {K}";
}

/// <summary>Generators shared by the routing-table properties: a small id pool so joins, leaves and rejoins collide.</summary>
public static class TableGen
{
    // Ids near both ends of the ring and in the middle, so wrap-around is exercised.
    public static readonly ulong[] Pool = [0, 1, 2, 1000, 1UL << 63, (1UL << 63) + 7, ulong.MaxValue - 1, ulong.MaxValue, 12345678901234567UL, 42];

    public static Gen<TableOp> Op =>
        from id in Gen.Elements(Pool)
        from inc in Gen.Choose(1, 3)
        from joined in Gen.Frequency((3, Gen.Constant(true)), (2, Gen.Constant(false)))
        from probe in Gen.OneOf(Gen.Elements(Pool), Gen.Choose(0, int.MaxValue).Select(x => (ulong)x * 0x9E3779B97F4A7C15UL))
        from k in Gen.Choose(1, 12)
        select new TableOp(new MembershipEvent(new RingId(id), new Address(id % 97), (uint)inc, joined), probe, k);

    public static Arbitrary<TableOp[]> History => Arb.From(Gen.ArrayOf(Op));

    /// <summary>Applies the history to the table and the model, comparing every answer; returns the first difference.</summary>
    public static string? Compare(IRoutingTable table, TableOp[] ops)
    {
        var model = new RoutingTableModel();
        foreach (var op in ops)
            if (Step(table, model, op) is { } diff) return diff;
        return null;
    }

    /// <summary>Applies one step to a table and its model and compares every query; the first difference, or null.</summary>
    public static string? Step(IRoutingTable table, RoutingTableModel model, TableOp op)
    {
        if (table.Apply(op.Event) != model.Apply(op.Event)) return $"Apply({op.Event}) disagrees";
        if (table.Count != model.Count) return $"Count {table.Count} != {model.Count}";
        var p = new RingId(op.Probe);
        if (table.Rank(p) != model.Rank(p)) return $"Rank({p})";
        if (table.TryGetState(op.Event.Id, out var s) != true || !model.States(op.Event.Id, op.Event.Id).SequenceEqual([s])) return $"State({op.Event.Id})";
        var ids = Pool.Append(op.Probe).Order().Select(i => new RingId(i)).ToArray();
        var states = new MembershipEvent[ids.Length];
        var known = new bool[ids.Length];
        table.TryGetStates(ids, states, known);
        for (int i = 0; i < ids.Length; i++)
            if (known[i] != model.States(ids[i], ids[i]).Count > 0 || known[i] && model.States(ids[i], ids[i])[0] != states[i]) return $"TryGetStates at {ids[i]}";
        if (model.Count > 0)
        {
            if (table.SuccessorOfKey(p) != model.SuccessorOfKey(p)) return $"SuccessorOfKey({p})";
            if (table.Successor(p, op.K) != model.Successor(p, op.K)) return $"Successor({p}, {op.K})";
            if (table.Predecessor(p, op.K) != model.Predecessor(p, op.K)) return $"Predecessor({p}, {op.K})";
            int r = op.K % model.Count;
            if (table.At(r) != model.At(r)) return $"At({r})";
        }
        var lo = new RingId(Math.Min(op.Probe, op.Event.Id.Value));
        var hi = new RingId(Math.Max(op.Probe, op.Event.Id.Value));
        var got = new List<MembershipEvent>();
        table.CopyStates(lo, hi, got);
        var want = model.States(lo, hi);
        if (!got.SequenceEqual(want)) return $"CopyStates({lo}, {hi})";
        var (digest, n) = table.Digest(lo, hi);
        ulong wantDigest = 0;
        foreach (var w in want) wantDigest += w.DigestHash;
        if (digest != wantDigest || n != want.Count) return $"Digest({lo}, {hi})";
        return null;
    }
}

public class RoutingTableProperties
{
    [Property(MaxTest = 300)]
    public Property SortedTableBehavesLikeTheSortedSetModelUnderAnyHistory() =>
        Prop.ForAll(TableGen.History, ops =>
        {
            string? diff = TableGen.Compare(new SortedRoutingTable(), ops);
            return (diff is null).Label(diff ?? "ok");
        });

    [Property]
    public Property ApplyingAnEventTwiceNeverChangesStateTheSecondTime() =>
        Prop.ForAll(TableGen.History, ops =>
        {
            var t = new SortedRoutingTable();
            return ops.All(op => { t.Apply(op.Event); return !t.Apply(op.Event); });
        });

    [Fact]
    public void RhoIsCeilingOfLog2()
    {
        Assert.Equal([1, 1, 1, 2, 2, 3, 3, 3, 3, 4], Enumerable.Range(0, 10).Select(RoutingTableExtensions.Rho));
        Assert.Equal(17, RoutingTableExtensions.Rho(100_000));
    }
}
