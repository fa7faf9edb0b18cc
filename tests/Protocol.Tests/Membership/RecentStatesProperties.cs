using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;

namespace VinzVault.Protocol.Tests.Membership;

/// <summary>One step of a generated history of recent states: enqueue <see cref="Record"/> (dequeue when null) <see cref="Times"/> times.</summary>
public sealed record RecentOp(RecentState? Record, int Times)
{
    public override string ToString() => $"{(Record is { } r ? $"enqueue {r}" : "dequeue")} x{Times}";
}

/// <summary>Generators shared by the recent-states properties: a small pool of records, so hosts enqueue equal ones.</summary>
public static class RecentGen
{
    public static Gen<RecentState> Record =>
        from id in Gen.Choose(0, 3)
        from decis in Gen.Choose(0, 2)
        from replaced in Gen.Choose(0, 1)
        select new RecentState(new RingId((ulong)id), decis, (uint)replaced);

    /// <summary>Runs of up to 20 equal steps, so queues grow past their first capacity and shrink back.</summary>
    public static Gen<RecentOp> Op =>
        from record in Gen.Frequency((3, Record.Select(r => (RecentState?)r)), (2, Gen.Constant((RecentState?)null)))
        from times in Gen.Choose(1, 20)
        select new RecentOp(record, times);

    /// <summary>Applies one step to a queue and its model (a dequeue of an empty one is skipped); the first difference, or null.</summary>
    public static string? Step(IRecentStates queue, Queue<RecentState> model, RecentOp op)
    {
        for (int i = 0; i < op.Times; i++)
        {
            if (op.Record is { } r) { queue.Enqueue(r); model.Enqueue(r); }
            else if (model.Count > 0) { queue.Dequeue(); model.Dequeue(); }
        }
        return Compare(queue, model);
    }

    public static string? Compare(IRecentStates queue, Queue<RecentState> model)
    {
        if (queue.Count != model.Count) return $"count {queue.Count}, model {model.Count}";
        int i = 0;
        foreach (var r in model)
        {
            if (queue[i] != r) return $"record {i} is {queue[i]}, model {r}";
            i++;
        }
        return null;
    }
}

public class RecentStatesProperties
{
    [Property(MaxTest = 300)]
    public Property RecentStateQueueIsFirstInFirstOutUnderAnyHistory() =>
        Prop.ForAll(Arb.From(Gen.ArrayOf(RecentGen.Op)), ops =>
        {
            var queue = new RecentStateQueue();
            var model = new Queue<RecentState>();
            foreach (var op in ops)
                if (RecentGen.Step(queue, model, op) is { } diff) return false.Label($"{op}: {diff}");
            return true.Label("ok");
        });
}
