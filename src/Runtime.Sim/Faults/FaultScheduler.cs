using Microsoft.Extensions.Logging;
using VinzVault.Protocol.Core;
using VinzVault.Runtime.Sim.Engine;
using VinzVault.Runtime.Sim.Network;
using VinzVault.Runtime.Sim.Scenarios;

namespace VinzVault.Runtime.Sim;

/// <summary>
/// Turns the scenario's fault list and churn model into scheduled actions. All choices (which hosts,
/// session lengths) come from the fault stream of the run's seed.
/// </summary>
internal sealed partial class FaultScheduler(Simulator sim, Prng rng)
{
    private readonly ILogger _log = sim.Logging.ForSimulator();

    public void Schedule()
    {
        foreach (var f in sim.Scenario.Faults) sim.At(f.At, () => Fire(f));
        if (sim.Scenario.Churn is { } churn)
            for (int h = 0; h < sim.Hosts; h++)
                ScheduleLeave(h, churn, Residual(churn));
    }

    private int CountOf(FaultSpec f) => f.Fraction is { } frac ? Math.Max(1, (int)Math.Round(frac * sim.Hosts)) : f.Count;

    private void Fire(FaultSpec f)
    {
        switch (f.Kind)
        {
            case FaultKind.Crash:
                var crashed = Hit(f, liveOnly: true);
                foreach (int h in crashed)
                {
                    sim.Crash(h);
                    sim.Faults.Crashes++;
                    if (f.Duration is { } d) sim.At(sim.Now + d, () => Restart(h));
                }
                LogFault(_log, "crash", crashed.Count);
                break;
            case FaultKind.Loss:
                var lost = Hit(f, liveOnly: true);
                foreach (int h in lost)
                {
                    sim.Lose(h);
                    sim.Faults.PermanentLosses++;
                }
                LogFault(_log, "permanent loss", lost.Count);
                break;
            case FaultKind.Partition:
                var inside = new bool[sim.Hosts];
                foreach (int h in Hit(f, liveOnly: false)) inside[h] = true;
                var cut = new SimNetwork.Cut(inside, f.OneWay);
                sim.Network.AddCut(cut);
                sim.Faults.Partitions++;
                LogFault(_log, f.OneWay ? "one-way partition" : "partition", inside.Count(x => x));
                if (f.Duration is { } dur)
                    sim.At(sim.Now + dur, () => { sim.Network.RemoveCut(cut); sim.Faults.Heals++; LogFault(_log, "heal", 0); });
                break;
            default:
                break;
        }
    }

    private void Restart(int h)
    {
        if (sim.IsLost(h) || sim.IsUp(h)) return;
        sim.Boot(h);
        sim.Faults.Restarts++;
    }

    /// <summary>
    /// The hosts a fault hits: every host of one rack or datacenter (picked at random, or the datacenter the fault
    /// names), or Count random hosts. Crashes and losses hit live hosts only; a random partition never cuts off all.
    /// </summary>
    private List<int> Hit(FaultSpec f, bool liveOnly)
    {
        var topo = sim.Topology;
        switch (f.EffectiveScope())
        {
            case FaultScope.Datacenter:
                int dc = f.Datacenter is { } named ? named % topo.Datacenters : rng.Next(topo.Datacenters);
                return [.. Enumerable.Range(0, sim.Hosts).Where(h => topo[h].Datacenter == dc && (!liveOnly || sim.IsUp(h)))];
            case FaultScope.Rack:
                int pick = rng.Next(sim.Hosts);
                return [.. Enumerable.Range(0, sim.Hosts).Where(h => topo[h] == topo[pick] && (!liveOnly || sim.IsUp(h)))];
            default:
                return liveOnly ? PickLive(CountOf(f)) : PickAny(Math.Min(sim.Hosts - 1, CountOf(f)));
        }
    }

    private List<int> PickAny(int count)
    {
        var inside = new bool[sim.Hosts];
        var picked = new List<int>(count);
        while (picked.Count < count)
        {
            int h = rng.Next(sim.Hosts);
            if (!inside[h]) { inside[h] = true; picked.Add(h); }
        }
        return picked;
    }

    /// <summary>Distinct live hosts chosen uniformly (partial Fisher–Yates over the live ones).</summary>
    private List<int> PickLive(int count)
    {
        var live = new List<int>();
        for (int h = 0; h < sim.Hosts; h++) if (sim.IsUp(h)) live.Add(h);
        count = Math.Min(count, live.Count);
        for (int i = 0; i < count; i++)
        {
            int j = i + rng.Next(live.Count - i);
            (live[i], live[j]) = (live[j], live[i]);
        }
        return live.GetRange(0, count);
    }

    private Micros Session(ChurnSpec c) => Micros.FromSeconds(c.Distribution == SessionDistribution.Pareto
        ? rng.Pareto(c.MeanSession.Seconds, c.Alpha)
        : rng.Exponential(c.MeanSession.Seconds));

    /// <summary>
    /// What is left of the session a host is in at time zero, drawn from the stationary residual law so a
    /// run starts in steady state: the session containing a random instant is length-biased, and the
    /// instant falls uniformly within it. Exponential: memoryless, the residual is a fresh session.
    /// Pareto(alpha, xm): the length-biased law is Pareto(alpha - 1, xm).
    /// </summary>
    private Micros Residual(ChurnSpec c)
    {
        if (c.Distribution != SessionDistribution.Pareto) return Session(c);
        double xm = c.MeanSession.Seconds * (c.Alpha - 1) / c.Alpha;
        double biased = xm / Math.Pow(1.0 - rng.NextDouble(), 1.0 / (c.Alpha - 1));
        return Micros.FromSeconds(rng.NextDouble() * biased);
    }

    private void ScheduleLeave(int h, ChurnSpec c, Micros session)
    {
        var at = sim.Now + session;
        if (c.StopAt is { } stop && at >= stop) return;
        sim.At(at, () =>
        {
            if (!sim.IsUp(h) || sim.IsLost(h)) return;
            sim.Crash(h);
            sim.Faults.ChurnLeaves++;
            var back = sim.Now + Micros.FromSeconds(rng.Exponential(c.MeanOffline.Seconds));
            sim.At(back, () =>
            {
                if (sim.IsUp(h) || sim.IsLost(h)) return;
                sim.Boot(h);
                sim.Faults.ChurnJoins++;
                ScheduleLeave(h, c, Session(c));
            });
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "fault: {Kind} ({Count} hosts)")]
    private static partial void LogFault(ILogger logger, string kind, int count);
}
