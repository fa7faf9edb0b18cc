namespace VinzVault.Cli;

/// <summary>Progress of a long run on stderr: a rewritten line on a terminal, a line every few seconds in a log.</summary>
internal sealed class ProgressLine
{
    private readonly bool _tty = !Console.IsErrorRedirected;
    private double _lastPrinted = double.NegativeInfinity;
    private bool _shown;

    public void Show(VinzVault.Runtime.Sim.Engine.SimProgress p)
    {
        if (p.WallSeconds < 1) return;
        if (!_tty && p.WallSeconds - _lastPrinted < 5) return;
        _lastPrinted = p.WallSeconds;
        double frac = Math.Clamp(p.Now.Seconds / Math.Max(1e-9, p.End.Seconds), 0, 1);
        int filled = (int)(frac * 30);
        string line = $"[{new string('#', filled)}{new string('.', 30 - filled)}] {frac * 100,5:0.0}%  {p.Now.Seconds:0.0}s of {p.End.Seconds:0}s virtual, {p.WallSeconds:0}s wall, {p.Events / p.WallSeconds / 1e6:0.00} M events/s";
        if (_tty) Console.Error.Write("\r" + line);
        else Console.Error.WriteLine(line);
        _shown = true;
    }

    public void Done()
    {
        if (_shown && _tty) Console.Error.WriteLine();
    }
}
