using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VinzVault.Protocol.Core;

namespace VinzVault.Runtime.Sim.Logging;

/// <summary>
/// Logging for a simulated run: every line carries virtual time and host. Loggers only write; nothing
/// they do feeds back into the run, so a run's digest is the same with logging on or off.
/// </summary>
public sealed class SimLogging
{
    private readonly TextWriter? _out;
    private readonly LogLevel _level;
    private readonly int? _traceHost;

    /// <param name="output">Where lines go; null turns logging off entirely (NullLogger everywhere).</param>
    /// <param name="level">Lowest level written.</param>
    /// <param name="traceHost">When set, only this host's lines below Warning are written.</param>
    public SimLogging(TextWriter? output, LogLevel level, int? traceHost)
    {
        _out = output;
        _level = level;
        _traceHost = traceHost;
    }

    public static readonly SimLogging Off = new(null, LogLevel.None, null);

    /// <summary>Virtual time of the step being run; set by the simulator.</summary>
    internal Micros Now;

    public bool Enabled => _out is not null && _level != LogLevel.None;

    public ILogger ForHost(int host) => Enabled ? new Logger(this, host, "h" + host) : NullLogger.Instance;
    public ILogger ForSimulator() => Enabled ? new Logger(this, -1, "sim") : NullLogger.Instance;

    private bool IsEnabled(int host, LogLevel level) =>
        level >= _level && level != LogLevel.None && (_traceHost is null || host == _traceHost || host < 0 || level >= LogLevel.Warning);

    private void Write(string who, LogLevel level, string message, Exception? ex)
    {
        _out!.WriteLine($"[{Now,14} {who,7}] {Short(level)} {message}{(ex is null ? "" : " " + ex)}");
    }

    private static string Short(LogLevel l) => l switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };

    private sealed class Logger(SimLogging owner, int host, string who) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => owner.IsEnabled(host, logLevel);
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) owner.Write(who, logLevel, formatter(state, exception), exception);
        }
    }
}
