using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;

namespace VinzVault.Protocol.Tests.Membership;

public class D1htNodeTests
{
    private static readonly D1htOptions Fast = Pump.Fast;

    private static Micros ConvergenceBound(int n, D1htOptions o) =>
        // T_detect + rho (Theta + max delay) + margin, as the issue states it.
        Micros.FromSeconds(1.5 * o.FixedTheta!.Value.Seconds + 2 * o.FixedTheta.Value.Seconds + o.ProbeTimeout.Seconds
            + RoutingTableExtensions.Rho(n) * (o.FixedTheta.Value.Seconds + 0.01) + 2);

    [Fact]
    public void FormedRingStaysConvergedAndEveryLookupIsOneHopToTheTrueOwner()
    {
        var pump = new Pump(20, Fast);
        pump.StartFormed(Enumerable.Range(0, 20));
        pump.RunFor(Micros.FromSeconds(30));
        Assert.Empty(pump.Diverged());
        var truth = new SortedRoutingTable();
        foreach (var id in pump.TrueMembers()) truth.Apply(new MembershipEvent(id, default, 1, true));
        var rng = new Prng(9);
        var keys = Enumerable.Range(0, 200).Select(_ => new RingId(rng.NextUInt64())).ToArray();
        for (int i = 0; i < keys.Length; i++) pump.Lookup(i % 20, i, keys[i]);
        pump.RunFor(Micros.FromSeconds(2));
        Assert.Equal(200, pump.Replies.Count);
        foreach (var (_, id, result) in pump.Replies)
        {
            var r = Assert.IsType<LookupResult>(result);
            Assert.True(r.Ok);
            Assert.InRange(r.Hops, 0, 1);
            Assert.Equal(truth.SuccessorOfKey(keys[id]).Id, r.Owner.Id);
        }
    }

    [Fact]
    public void HostsJoiningOneByOneFromAFounderConverge()
    {
        var pump = new Pump(12, Fast);
        pump.Start(0, new SortedRoutingTable(), Micros.Zero, found: true);
        pump.RunFor(Micros.FromSeconds(1));
        for (int h = 1; h < 12; h++)
        {
            pump.Start(h, new SortedRoutingTable(), pump.Now + Micros.FromMillis(300 * h));
        }
        pump.RunFor(Micros.FromSeconds(60));
        Assert.Equal(12, pump.TrueMembers().Length);
        Assert.Empty(pump.Diverged());
    }

    [Fact]
    public void CrashedHostsLeaveEveryTableWithinTheBound()
    {
        const int n = 32;
        var pump = new Pump(n, Fast);
        pump.StartFormed(Enumerable.Range(0, n));
        pump.RunFor(Micros.FromSeconds(10));
        pump.Crash(3);
        pump.Crash(4);
        pump.Crash(17);
        pump.RunFor(ConvergenceBound(n, Fast));
        Assert.Equal(n - 3, pump.TrueMembers().Length);
        Assert.Empty(pump.Diverged());
    }

    [Fact]
    public void EdraDeliversALeaveToEveryPeerExactlyOnceOnConsistentTables()
    {
        // 21 peers: not a power of two, so the no-wrap rule (7) decides whether anyone gets the event twice.
        const int n = 21;
        var pump = new Pump(n, Fast with { AntiEntropyThetas = 0 });
        pump.StartFormed(Enumerable.Range(0, n));
        pump.RunFor(Micros.FromSeconds(5));
        pump.Crash(7);
        pump.RunFor(Micros.FromSeconds(15));
        Assert.Empty(pump.Diverged());
        var subject = Pump.IdOf(7);
        long sent = pump.Nodes.Where(x => x is not null).Sum(x => x!.Stats.EdraEventsSent);
        Assert.Equal(n - 2, sent);
        Assert.Equal(1, pump.Nodes.Where(x => x is not null).Sum(x => x!.Stats.EventsDetected));
        for (int h = 0; h < n; h++)
            if (h != 7) Assert.Equal(1, pump.AppliedCount[(h, subject)]);
    }

    [Fact]
    public void AnEventSentToADeadTargetStillReachesItsSubtree()
    {
        // Consistent tables, no anti-entropy: the detector of host B's leave sends it with TTL 3 to the 8th member
        // after itself, which died at the same moment and is not yet known as gone. Unacknowledged, the message must
        // go to the member after it, or the 7 hosts of the dead target's subtree never hear of B's leave.
        const int n = 21;
        var pump = new Pump(n, Fast with { AntiEntropyThetas = 0 });
        pump.StartFormed(Enumerable.Range(0, n));
        pump.RunFor(Micros.FromSeconds(5));
        var ring = Enumerable.Range(0, n).OrderBy(h => Pump.IdOf(h).Value).ToArray();
        int b = ring[0], deadTarget = ring[1 + 8];
        pump.Crash(b);
        pump.Crash(deadTarget);
        pump.RunFor(Micros.FromSeconds(20));
        Assert.Equal(n - 2, pump.TrueMembers().Length);
        Assert.Empty(pump.Diverged());
    }

    [Fact]
    public void PerEventBaselineReachesTheSameTablesWithMoreMessages()
    {
        long Messages(DisseminationMode mode)
        {
            // Repair stays on: forwarding at once reaches hosts that crashed a moment ago, and only repair recovers those events.
            var pump = new Pump(24, Fast with { Mode = mode, AntiEntropyThetas = 2 });
            pump.StartFormed(Enumerable.Range(0, 24));
            pump.RunFor(Micros.FromSeconds(5));
            foreach (int h in new[] { 2, 9, 15, 20 }) pump.Crash(h);
            pump.RunFor(Micros.FromSeconds(30));
            Assert.Empty(pump.Diverged());
            return pump.Nodes.Where(x => x is not null).Sum(x => x!.Stats.EdraMessages);
        }
        Assert.True(Messages(DisseminationMode.PerEvent) > Messages(DisseminationMode.Edra));
    }

    [Fact]
    public void HostLeavingDuringQuarantineCreatesNoEvent()
    {
        var pump = new Pump(9, Fast);
        pump.StartFormed(Enumerable.Range(0, 8));
        pump.RunFor(Micros.FromSeconds(3));
        pump.Start(8, new SortedRoutingTable(), pump.Now);
        pump.RunFor(Micros.FromSeconds(2));
        pump.Crash(8);
        pump.RunFor(Micros.FromSeconds(20));
        Assert.Equal(0, pump.Nodes.Where(x => x is not null).Sum(x => x!.Stats.EventsDetected));
        Assert.All(pump.Nodes.Where(x => x is not null), x => Assert.False(x!.Table.TryGetState(Pump.IdOf(8), out _)));
    }

    [Fact]
    public void RestartedHostRejoinsWithAHigherIncarnationAndTablesConverge()
    {
        var pump = new Pump(10, Fast);
        pump.StartFormed(Enumerable.Range(0, 10));
        pump.RunFor(Micros.FromSeconds(3));
        pump.Crash(5);
        pump.Start(5, new SortedRoutingTable(), pump.Now + Micros.FromMillis(200));
        pump.RunFor(Micros.FromSeconds(30));
        Assert.Equal(2u, pump.Nodes[5]!.Incarnation);
        Assert.Empty(pump.Diverged());
        Assert.All(pump.Nodes, x => Assert.True(x!.Table.TryGetMember(Pump.IdOf(5), out var m) && m.Incarnation == 2));
    }

    [Fact]
    public void AMemberDeclaredGoneStaysAMemberAndEveryTableTakesItsNewIncarnation()
    {
        var pump = new Pump(10, Fast);
        pump.StartFormed(Enumerable.Range(0, 10));
        pump.RunFor(Micros.FromSeconds(3));
        // Host 5 hears nothing for 10 s: its successor declares it gone, and the leave reaches host 5 when it hears again.
        pump.Side = Enumerable.Range(0, 10).Select(h => h == 5).ToArray();
        pump.RunFor(Micros.FromSeconds(10));
        Assert.All(Enumerable.Range(0, 10).Where(h => h != 5), h => Assert.False(pump.Nodes[h]!.Table.TryGetMember(Pump.IdOf(5), out _)));
        pump.Side = null;
        bool everOut = false;
        for (int i = 0; i < 300; i++)
        {
            pump.RunFor(Micros.FromMillis(100));
            everOut |= !pump.Nodes[5]!.IsMember;
        }
        Assert.False(everOut);
        Assert.Equal(2u, pump.Nodes[5]!.Incarnation);
        Assert.Empty(pump.Diverged());
        Assert.All(pump.Nodes, x => Assert.True(x!.Table.TryGetMember(Pump.IdOf(5), out var m) && m.Incarnation == 2));
    }

    [Fact]
    public void AntiEntropyRepairsATableThatMissedEvents()
    {
        var pump = new Pump(16, Fast with { AntiEntropyThetas = 2 });
        // Host 0 starts without hosts 5 and 6: nothing in EDRA will ever tell it, only repair can.
        foreach (int h in Enumerable.Range(0, 16))
        {
            var t = new SortedRoutingTable();
            foreach (int m in Enumerable.Range(0, 16))
                if (h != 0 || m is not (5 or 6)) t.Apply(new MembershipEvent(Pump.IdOf(m), pump.Addresses[m], 1, true));
            pump.Start(h, t, Micros.Zero);
        }
        pump.RunFor(Micros.FromSeconds(20));
        Assert.Empty(pump.Diverged());
        Assert.True(pump.Nodes[0]!.Stats.RepairStatesApplied + pump.Nodes[0]!.Stats.LearnedFromTraffic >= 2);
    }

    [Fact]
    public void PartitionedRingHealsToOneMembership()
    {
        const int n = 24;
        var pump = new Pump(n, Fast);
        pump.StartFormed(Enumerable.Range(0, n));
        pump.RunFor(Micros.FromSeconds(3));
        pump.Side = Enumerable.Range(0, n).Select(h => h < 8).ToArray();
        pump.RunFor(Micros.FromSeconds(20));
        pump.Side = null;
        pump.RunFor(Micros.FromSeconds(60));
        Assert.Equal(n, pump.TrueMembers().Length);
        Assert.Empty(pump.Diverged());
    }

    [Fact]
    public void ThetaFormulaMatchesTheSpecExample()
    {
        // D1HT.md: n = 10^5, S = 174 min, f = 1%, d = 0.25 s gives Theta ~ 8.0 s; r = 2n/S.
        double rate = 2 * 100_000 / (174 * 60.0);
        var theta = ThetaTuner.Compute(rate, 100_000, D1htOptions.Default with { MaxTheta = Micros.FromSeconds(60) });
        Assert.InRange(theta.Seconds, 7.9, 8.1);
        Assert.Equal(D1htOptions.Default.MaxTheta, ThetaTuner.Compute(0, 100_000, D1htOptions.Default));
    }
}
