using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Tests.Membership;
using VinzVault.Runtime.Sim.Membership;

namespace VinzVault.Runtime.Sim.Tests.Membership;

public class SharedRoutingTableProperties
{
    private static readonly RingId[] Ids = TableGen.Pool.Select(x => new RingId(x)).ToArray();

    [Property(MaxTest = 300)]
    public Property SharedTableAloneBehavesLikeTheSortedSetModelUnderAnyHistory() =>
        Prop.ForAll(TableGen.History, ops =>
        {
            string? diff = TableGen.Compare(new SharedTableSpace(Ids).Create(empty: true), ops);
            return (diff is null).Label(diff ?? "ok");
        });

    /// <summary>
    /// Several hosts' tables share one base; every step applies to one of them. Folds happen in batches of 1 to 4
    /// slots once most tables agree, and each table must still match its own model exactly: no view changes through another host's apply.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property EveryHostViewStaysExactlyItsOwnWhileStatesFoldIntoTheSharedBase() =>
        Prop.ForAll(
            Arb.From(from seed in Gen.SubListOf(TableGen.Pool)
                     from formed in Gen.ArrayOf(Gen.Elements(true, false), 4)
                     from steps in Gen.ArrayOf(from t in Gen.Choose(0, 3) from op in TableGen.Op select (t, op))
                     from batch in Gen.Choose(1, 4)
                     select (seed: seed.ToArray(), formed, steps, batch)),
            c =>
            {
                var space = new SharedTableSpace(Ids, c.batch);
                var seedStates = c.seed.Select(id => new MembershipEvent(new RingId(id), new Address(id % 97), 1, true)).ToArray();
                foreach (var e in seedStates) space.Seed(e);
                var tables = new IRoutingTable[4];
                var models = new RoutingTableModel[4];
                for (int i = 0; i < 4; i++)
                {
                    tables[i] = space.Create(empty: !c.formed[i]);
                    models[i] = new RoutingTableModel();
                    if (c.formed[i]) foreach (var e in seedStates) models[i].Apply(e);
                }
                foreach (var (t, op) in c.steps)
                {
                    if (TableGen.Step(tables[t], models[t], op) is { } diff) return false.Label($"table {t}: {diff}");
                    for (int other = 0; other < 4; other++)
                        if (TableGen.Step(tables[other], models[other], op with { Event = op.Event with { Incarnation = 0, Joined = true } }) is { } d2)
                            return false.Label($"table {other} after a step of table {t}: {d2}");
                }
                return true.Label($"folds {space.Folds}");
            });
}
