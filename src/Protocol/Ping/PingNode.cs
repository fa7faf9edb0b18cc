using Microsoft.Extensions.Logging;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Node;

namespace VinzVault.Protocol.Ping;

/// <summary>Options of the trivial heartbeat protocol.</summary>
/// <param name="Period">Mean time between pings; jittered ±50% so hosts do not beat in step.</param>
public sealed record PingOptions(Micros Period)
{
    public static readonly PingOptions Default = new(Micros.FromSeconds(1));
}

/// <summary>
/// The trivial protocol that proves the sans-IO interface in both runtimes: at boot it reads its
/// incarnation from disk, stores incarnation + 1 durably, then pings a random peer every period and
/// answers pings with pongs. Used as a fixture and for the engine benchmark.
/// </summary>
public sealed partial class PingNode : INode
{
    public const ulong IncarnationFile = 1;
    private const int TickTimer = 1;

    private readonly NodeContext _ctx;
    private readonly PingOptions _options;
    private readonly Prng _rng;
    // Copied out of the context: at 100,000 simulated hosts every pointer hop per event is a cache miss.
    private readonly Address _self;
    private readonly IReadOnlyList<Address> _peers;
    private readonly DurableIncarnation _incarnation = new(IncarnationFile);
    private long _seq;
    private bool _ready;

    public PingNode(NodeContext ctx, PingOptions options)
    {
        _ctx = ctx;
        _options = options;
        _rng = new Prng(ctx.Seed);
        _self = ctx.Self;
        _peers = ctx.Peers;
    }

    /// <summary>Pongs received that answered one of this life's pings.</summary>
    public long PongsReceived { get; private set; }
    public uint Incarnation => _incarnation.Value;

    public void Step(Micros now, in Input input, Effects effects)
    {
        switch (input.Kind)
        {
            case InputKind.Start:
                _incarnation.Begin(effects);
                break;
            case InputKind.DiskDone:
                OnDisk(now, input.Id, input.Disk!, effects);
                break;
            case InputKind.TimerFired when input.Timer.Kind == TickTimer && _ready:
                Tick(now, effects);
                break;
            case InputKind.Received when input.Message is PingMessage ping:
                if (_ready) effects.Send(input.From, new PongMessage(ping.Seq, _incarnation.Value));
                break;
            case InputKind.Received when input.Message is PongMessage pong:
                if (pong.Seq <= _seq && pong.Seq > 0) PongsReceived++;
                break;
            default:
                break;
        }
    }

    private void OnDisk(Micros now, long id, DiskResult result, Effects effects)
    {
        // A failed sync means the new incarnation may not survive a crash: DurableIncarnation retries from the read.
        if (id == DurableIncarnation.SyncId && !result.Ok) LogSyncFailed(_ctx.Logger, result.Error);
        if (!_incarnation.OnDisk(id, result, effects)) return;
        _ready = true;
        LogBooted(_ctx.Logger, _incarnation.Value);
        ScheduleTick(now, effects);
    }

    private void Tick(Micros now, Effects effects)
    {
        var peers = _peers;
        if (peers.Count > 0)
        {
            var to = peers[_rng.Next(peers.Count)];
            if (to != _self)
            {
                _seq++;
                effects.Send(to, new PingMessage(_seq, _incarnation.Value));
                LogPing(_ctx.Logger, to, _seq);
            }
        }
        ScheduleTick(now, effects);
    }

    private void ScheduleTick(Micros now, Effects effects)
    {
        long p = _options.Period.Value;
        effects.SetTimer(new TimerKey(TickTimer), now + new Micros(p / 2 + _rng.NextLong(p + 1)));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "booted with incarnation {Incarnation}")]
    private static partial void LogBooted(ILogger logger, uint incarnation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "incarnation sync failed ({Error}); retrying")]
    private static partial void LogSyncFailed(ILogger logger, string? error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "ping {To} seq {Seq}")]
    private static partial void LogPing(ILogger logger, Address to, long seq);
}
