using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Node;
using VinzVault.Protocol.Wire;
using VinzVault.Runtime.Real.Net;
using VinzVault.Runtime.Real.Storage;

namespace VinzVault.Runtime.Real.Host;

/// <summary>
/// Runs one <see cref="INode"/> for real: network frames and disk completions arrive on one channel,
/// timers live in a priority queue, and a single async loop (<see cref="RunAsync"/>) is the only caller
/// of <see cref="INode.Step"/>, then carries out the effects. Time is microseconds since the host was
/// created, from the monotonic Stopwatch.
/// </summary>
public sealed partial class NodeHost
{
    private readonly INode _node;
    private readonly TcpTransport _transport;
    private readonly FileStore _store;
    private readonly ILogger _logger;
    private readonly Channel<Item> _inbox;
    private readonly Effects _effects = new();
    private readonly PriorityQueue<TimerKey, (long At, long Seq)> _timers = new();
    private readonly long[] _sent = new long[256];
    private readonly long[] _received = new long[256];
    private readonly long _statsPeriod;
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _timerSeq;
    private long _nextStats;

    /// <summary>Creates the node with its context; the transport is bound and gives the node its own address.</summary>
    public NodeHost(string name, IReadOnlyList<Address> peers, Func<NodeContext, INode> createNode, TcpTransport transport, FileStore store, ILoggerFactory loggers, NodeHostOptions options)
    {
        _transport = transport;
        _store = store;
        _logger = loggers.CreateLogger<NodeHost>();
        _inbox = Channel.CreateBounded<Item>(new BoundedChannelOptions(options.InboxCapacity) { SingleReader = true });
        _statsPeriod = (long)options.StatsPeriod.TotalMicroseconds;
        _nextStats = _statsPeriod > 0 ? _statsPeriod : long.MaxValue;
        ulong seed = options.Seed ?? BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        var context = new NodeContext(transport.Self, name, seed, peers, loggers.CreateLogger("VinzVault.Node"), default);
        _node = createNode(context);
    }

    public Address Self => _transport.Self;
    public INode Node => _node;

    /// <summary>Messages of this kind handed to the transport. Safe to read from any thread.</summary>
    public long Sent(MessageTag tag) => Interlocked.Read(ref _sent[(byte)tag]);

    /// <summary>Messages of this kind stepped into the node. Safe to read from any thread.</summary>
    public long Received(MessageTag tag) => Interlocked.Read(ref _received[(byte)tag]);

    private Micros Now => new((long)Stopwatch.GetElapsedTime(_started).TotalMicroseconds);

    /// <summary>
    /// Starts the transport and the disk worker, feeds the node Start, then runs until cancelled; on the
    /// way out closes the transport and lets the disk worker finish what was submitted.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        _transport.Start((from, message, c) => _inbox.Writer.WriteAsync(new Item(Input.Received(from, message)), c));
        _store.Start((id, result) => _inbox.Writer.WriteAsync(new Item(Input.DiskDone(id, result)), ct));
        // The timer only wakes the loop; if the inbox is full the wake is not needed, as the loop is busy.
        using var wake = new Timer(_ => _inbox.Writer.TryWrite(new Item(default, Wake: true)));
        try
        {
            Step(Input.Start());
            var reader = _inbox.Reader;
            while (true)
            {
                while (reader.TryRead(out var item))
                {
                    if (!item.Wake) Step(item.Input);
                    FireDueTimers();
                }
                FireDueTimers();
                Arm(wake);
                await reader.WaitToReadAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Asked to stop.
        }
        finally
        {
            await _transport.DisposeAsync();
            await _store.DisposeAsync();
        }
    }

    private void FireDueTimers()
    {
        while (_timers.TryPeek(out var timer, out var due) && due.At <= Now.Value)
        {
            _timers.Dequeue();
            Step(Input.TimerFired(timer));
        }
        var now = Now.Value;
        if (now >= _nextStats)
        {
            LogStats(_logger, Counts(_sent), Counts(_received), _transport.Dropped);
            _nextStats = now + _statsPeriod;
        }
    }

    private void Arm(Timer wake)
    {
        long next = Math.Min(_timers.TryPeek(out _, out var due) ? due.At : long.MaxValue, _nextStats);
        if (next == long.MaxValue)
        {
            wake.Change(Timeout.Infinite, Timeout.Infinite);
            return;
        }
        // Round up: waking a little late fires the timer; waking early would only spin once more.
        long ms = Math.Clamp((next - Now.Value + 999) / 1000, 0, 0xffff_fffeL);
        wake.Change(ms, Timeout.Infinite);
    }

    private void Step(in Input input)
    {
        if (input.Kind == InputKind.Received)
        {
            Interlocked.Increment(ref _received[(byte)input.Message!.Tag]);
            LogReceived(_logger, input.Message.Tag, input.From);
        }
        _node.Step(Now, input, _effects);
        for (int i = 0; i < _effects.Count; i++)
        {
            var e = _effects[i];
            switch (e.Kind)
            {
                case EffectKind.Send:
                    Interlocked.Increment(ref _sent[(byte)e.Message!.Tag]);
                    _transport.Send(e.To, e.Message);
                    break;
                case EffectKind.SetTimer:
                    _timers.Enqueue(e.Timer, (e.At.Value, _timerSeq++));
                    break;
                case EffectKind.Disk:
                    _store.Submit(e.Id, e.Disk!);
                    break;
                case EffectKind.Reply:
                    LogReplyDropped(_logger, e.Id);
                    break;
                default:
                    break;
            }
        }
        _effects.Clear();
    }

    private static string Counts(long[] counts)
    {
        var s = new StringBuilder();
        for (int tag = 0; tag < counts.Length; tag++)
        {
            long n = Interlocked.Read(ref counts[tag]);
            if (n > 0) s.Append(s.Length > 0 ? " " : "").Append((MessageTag)tag).Append('=').Append(n);
        }
        return s.Length > 0 ? s.ToString() : "none";
    }

    /// <summary>An inbox entry: an input for the node, or a wake-up from the timer so due timers fire.</summary>
    private readonly record struct Item(Input Input, bool Wake = false);

    [LoggerMessage(Level = LogLevel.Debug, Message = "recv {Tag} from {From}")]
    private static partial void LogReceived(ILogger logger, MessageTag tag, Address from);

    [LoggerMessage(Level = LogLevel.Information, Message = "stats: sent {Sent}; received {Received}; dropped {Dropped}")]
    private static partial void LogStats(ILogger logger, string sent, string received, long dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "reply to client request #{Id} dropped: this host has no client endpoint yet")]
    private static partial void LogReplyDropped(ILogger logger, long id);
}
