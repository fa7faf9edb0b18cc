using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VinzVault.Runtime.Sim.Engine;

namespace VinzVault.Runtime.Sim.Tests.Engine;

public class EventQueueTests
{
    /// <summary>Any interleaving of pushes (near, in the wheel, beyond its horizon) and pops comes out in (time, push order), like a sorted model.</summary>
    [Property(MaxTest = 300)]
    public Property PopsInTimeThenPushOrder()
    {
        var op = Gen.Frequency(
            (5, Gen.Choose(0, 3).SelectMany(k => Gen.Choose(0, 2_000_000).Select(d => (Push: true, Delta: (long)d * (k == 3 ? 10_000 : 1))))),
            (3, Gen.Constant((Push: false, Delta: 0L))));
        return Prop.ForAll(Arb.From(Gen.ListOf(op).Select(l => l.ToArray())), ops =>
        {
            var q = new EventQueue(bucketWidth: 1000);
            var model = new List<(long Time, int Id)>();
            long now = 0;
            int id = 0;
            foreach (var (push, delta) in ops)
            {
                if (push)
                {
                    var e = new SimEvent { Time = now + delta, Host = id };
                    q.Push(ref e);
                    model.Add((now + delta, id++));
                }
                else if (model.Count > 0)
                {
                    var expected = model.OrderBy(m => m.Time).ThenBy(m => m.Id).First();
                    model.Remove(expected);
                    var got = q.Pop();
                    if (got.Time != expected.Time || got.Host != expected.Id) return false;
                    now = got.Time;
                }
            }
            return q.Count == model.Count;
        });
    }
}
