using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using VinzVault.Protocol.Core;

namespace VinzVault.Runtime.Real.Net;

/// <summary>
/// The one outgoing connection to a peer: created when the first frame is queued, reconnected with
/// backoff after a failure. Frames wait in a bounded queue; when it is full the oldest is dropped and
/// counted. Delivery is at most once: a frame being written when the connection breaks is lost.
/// </summary>
internal sealed partial class PeerLink
{
    private readonly Address _self;
    private readonly Address _peer;
    private readonly TransportOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<byte[]> _queue;
    private readonly Task _run;
    private long _dropped;

    public PeerLink(Address self, Address peer, TransportOptions options, ILogger logger, CancellationToken stop)
    {
        _self = self;
        _peer = peer;
        _options = options;
        _logger = logger;
        var queueOptions = new BoundedChannelOptions(options.SendQueueFrames)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        };
        _queue = Channel.CreateBounded<byte[]>(queueOptions, OnDropped);
        _run = Task.Run(() => RunAsync(stop), CancellationToken.None);
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues one encoded message. Never blocks: a full queue drops its oldest frame instead.</summary>
    public void Enqueue(byte[] payload) => _queue.Writer.TryWrite(payload);

    /// <summary>Stops taking frames; the returned task ends when the writer has stopped.</summary>
    public Task CloseAsync()
    {
        _queue.Writer.TryComplete();
        return _run;
    }

    private void OnDropped(byte[] frame)
    {
        long n = Interlocked.Increment(ref _dropped);
        // Powers of two: a long outage costs a few lines, not one per frame.
        if ((n & (n - 1)) == 0) LogDropped(_logger, _peer, n);
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var backoff = _options.ReconnectMin;
        bool failing = false;
        var header = new byte[Framing.HeaderBytes];
        try
        {
            while (await _queue.Reader.WaitToReadAsync(ct))
            {
                Stream? stream = null;
                try
                {
                    stream = await ConnectAsync(ct);
                    LogConnected(_logger, _peer);
                    backoff = _options.ReconnectMin;
                    failing = false;
                    while (await _queue.Reader.WaitToReadAsync(ct))
                    {
                        while (_queue.Reader.TryRead(out var payload))
                        {
                            Framing.WriteHeader(header, payload.Length);
                            await stream.WriteAsync(header, ct);
                            await stream.WriteAsync(payload, ct);
                        }
                        await stream.FlushAsync(ct);
                    }
                    return;
                }
                catch (Exception e) when (e is IOException or SocketException or TimeoutException && !ct.IsCancellationRequested)
                {
                    if (failing) LogStillUnreachable(_logger, _peer, e.Message, backoff);
                    else LogUnreachable(_logger, _peer, e.Message, backoff);
                    failing = true;
                    await Task.Delay(backoff, ct);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.ReconnectMax.Ticks));
                }
                finally
                {
                    if (stream is not null) await CloseQuietlyAsync(stream);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: queued frames are dropped, as they would be by a crash.
        }
    }

    /// <summary>Closing flushes the write buffer, which throws on a broken connection; the failure is already handled.</summary>
    private static async Task CloseQuietlyAsync(Stream stream)
    {
        try
        {
            await stream.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // The socket is closed either way.
        }
    }

    private async Task<Stream> ConnectAsync(CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(Endpoints.ToEndPoint(_peer), timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"connect timed out after {_options.ConnectTimeout.TotalSeconds:0.#}s");
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var stream = new BufferedStream(TcpTransport.OpenStream(socket), _options.WriteBufferBytes);
        var preface = new byte[Framing.PrefaceBytes];
        Framing.WritePreface(preface, _self);
        await stream.WriteAsync(preface, ct);
        return stream;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "connected to {Peer}")]
    private static partial void LogConnected(ILogger logger, Address peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "peer {Peer} unreachable ({Error}); retrying in {Backoff}")]
    private static partial void LogUnreachable(ILogger logger, Address peer, string error, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Debug, Message = "peer {Peer} still unreachable ({Error}); retrying in {Backoff}")]
    private static partial void LogStillUnreachable(ILogger logger, Address peer, string error, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "send queue to {Peer} full: {Dropped} frames dropped so far")]
    private static partial void LogDropped(ILogger logger, Address peer, long dropped);
}
