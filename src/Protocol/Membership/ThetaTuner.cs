using VinzVault.Protocol.Core;

namespace VinzVault.Protocol.Membership;

/// <summary>
/// Theta self-tuning (D1HT.md "Choosing Theta"): estimate the event rate r from the events this peer learns
/// (every peer sees every event), S = 2n/r, then Theta = (2 f S - 2 rho d) / (8 + rho), clamped.
/// </summary>
public sealed class ThetaTuner(D1htOptions options)
{
    private double _rate = -1;

    /// <summary>Smoothed events per second, or negative before the first interval.</summary>
    public double EventRate => _rate;

    /// <summary>Records one finished interval and returns the Theta to use next.</summary>
    public Micros Next(int eventsLearned, Micros interval, int members)
    {
        double sample = interval.Value > 0 ? eventsLearned / interval.Seconds : 0;
        _rate = _rate < 0 ? sample : _rate + options.RateSmoothing * (sample - _rate);
        return options.FixedTheta ?? Compute(_rate, members, options);
    }

    /// <summary>The formula alone, clamped; an unknown or zero rate means sessions are long: the maximum.</summary>
    public static Micros Compute(double rate, int members, D1htOptions options)
    {
        if (rate <= 0 || members < 2) return options.MaxTheta;
        double session = 2.0 * members / rate;
        int rho = RoutingTableExtensions.Rho(members);
        double theta = (2 * options.TargetStaleFraction * session - 2 * rho * options.MeanDelay.Seconds) / (8 + rho);
        return Micros.Max(options.MinTheta, Micros.Min(options.MaxTheta, Micros.FromSeconds(Math.Max(0, theta))));
    }
}
