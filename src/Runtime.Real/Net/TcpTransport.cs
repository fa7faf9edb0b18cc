using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Wire;

namespace VinzVault.Runtime.Real.Net;

/// <summary>Receives each decoded message with the sender's listen address.</summary>
public delegate ValueTask MessageSink(Address from, Message message, CancellationToken ct);

/// <summary>
/// Length-prefixed frames over TCP (see <see cref="Framing"/>). Outgoing: one lazily created
/// <see cref="PeerLink"/> per peer. Incoming: one reader per accepted connection; a connection that
/// sends a bad preface, an oversized or truncated frame, or bytes that do not decode is logged with the
/// reason and closed, and nothing else is affected. Every connection is a <see cref="Stream"/> made in
/// <see cref="OpenStream"/>, the one place where TLS will be layered in.
/// </summary>
public sealed partial class TcpTransport : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly TransportOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<Address, PeerLink> _peers = [];
    private readonly Dictionary<Socket, Task> _inbound = [];
    private Task _accepting = Task.CompletedTask;
    private MessageSink? _sink;
    private bool _disposed;

    private TcpTransport(Socket listener, TransportOptions options, ILogger logger)
    {
        _listener = listener;
        _options = options;
        _logger = logger;
        Self = Endpoints.ToAddress((IPEndPoint)listener.LocalEndPoint!);
    }

    /// <summary>The address peers reach this host at (the bound port when the config asked for port 0).</summary>
    public Address Self { get; }

    /// <summary>Binds the listen socket now, so a port conflict is reported before the node starts.</summary>
    public static TcpTransport Bind(IPEndPoint listen, TransportOptions options, ILogger logger)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(listen);
            socket.Listen(128);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new TcpTransport(socket, options, logger);
    }

    /// <summary>The stream a connection's bytes flow through; TLS (mutual, per DESIGN §8) will wrap it here.</summary>
    internal static Stream OpenStream(Socket socket) => new NetworkStream(socket, ownsSocket: true);

    /// <summary>Starts accepting connections; decoded messages go to <paramref name="sink"/>.</summary>
    public void Start(MessageSink sink)
    {
        _sink = sink;
        _accepting = Task.Run(AcceptLoopAsync, CancellationToken.None);
    }

    /// <summary>Queues a message for a peer. Never blocks; called from the node loop.</summary>
    public void Send(Address to, Message message)
    {
        var payload = Codec.Encode(message);
        if (payload.Length > Codec.MaxMessageBytes)
        {
            LogOversizedSend(_logger, message.Tag, payload.Length, to);
            return;
        }
        PeerLink? link;
        lock (_gate)
        {
            if (_disposed) return;
            if (!_peers.TryGetValue(to, out link))
            {
                link = new PeerLink(Self, to, _options, _logger, _stop.Token);
                _peers.Add(to, link);
            }
        }
        link.Enqueue(payload);
    }

    /// <summary>Frames dropped because a peer's send queue was full, over all peers.</summary>
    public long Dropped
    {
        get { lock (_gate) return _peers.Values.Sum(p => p.Dropped); }
    }

    private async Task AcceptLoopAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(ct);
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of descriptors and the like: the listener itself is fine, so pause and go on.
                LogAcceptFailed(_logger, e.Message);
                await Task.Delay(_options.ReconnectMin, CancellationToken.None);
                continue;
            }
            socket.NoDelay = true;
            lock (_gate)
            {
                if (_disposed) { socket.Dispose(); return; }
                _inbound[socket] = Task.CompletedTask;
            }
            var serving = ServeAsync(socket, ct);
            lock (_gate)
            {
                if (_inbound.ContainsKey(socket)) _inbound[socket] = serving;
            }
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken ct)
    {
        var remote = socket.RemoteEndPoint?.ToString() ?? "?";
        var from = Address.None;
        var head = new byte[Framing.PrefaceBytes];
        byte[] buffer = [];
        try
        {
            await using var stream = OpenStream(socket);
            int n = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
            if (n == 0) return;
            string? error;
            if (n < head.Length) error = $"connection closed inside the {Framing.PrefaceBytes}-byte preface after {n} bytes";
            else if (Framing.TryReadPreface(head, out from, out error)) LogAccepted(_logger, from, remote);
            if (error is not null)
            {
                LogBadConnection(_logger, remote, error);
                return;
            }
            while (true)
            {
                n = await stream.ReadAtLeastAsync(head.AsMemory(0, Framing.HeaderBytes), Framing.HeaderBytes, throwOnEndOfStream: false, ct);
                if (n == 0) return;
                if (n < Framing.HeaderBytes)
                {
                    LogBadFrame(_logger, from, remote, $"connection closed inside a frame header after {n} bytes");
                    return;
                }
                uint length = Framing.ReadHeader(head);
                if (length > Codec.MaxMessageBytes)
                {
                    LogBadFrame(_logger, from, remote, $"frame of {length} bytes exceeds the limit of {Codec.MaxMessageBytes}");
                    return;
                }
                if (buffer.Length < length)
                {
                    if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent((int)length);
                }
                var payload = buffer.AsMemory(0, (int)length);
                n = await stream.ReadAtLeastAsync(payload, payload.Length, throwOnEndOfStream: false, ct);
                if (n < payload.Length)
                {
                    LogBadFrame(_logger, from, remote, $"connection closed inside a frame of {length} bytes after {n} bytes");
                    return;
                }
                var decoded = Codec.Decode(payload.Span);
                if (!decoded.Ok)
                {
                    LogBadFrame(_logger, from, remote, decoded.Error!);
                    return;
                }
                await _sink!(from, decoded.Message!, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            if (!ct.IsCancellationRequested) LogConnectionLost(_logger, from, remote, e.Message);
        }
        finally
        {
            if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
            socket.Dispose();
            lock (_gate) _inbound.Remove(socket);
        }
    }

    /// <summary>Stops listening, closes every connection and waits for their tasks; queued frames are dropped.</summary>
    public async ValueTask DisposeAsync()
    {
        List<Task> tasks;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            tasks = [_accepting];
            foreach (var (socket, task) in _inbound)
            {
                socket.Dispose();
                tasks.Add(task);
            }
            tasks.AddRange(_peers.Values.Select(p => p.CloseAsync()));
        }
        await _stop.CancelAsync();
        _listener.Dispose();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // Each task already logged what mattered; at shutdown these are expected.
        }
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "accepted connection from {From} ({Remote})")]
    private static partial void LogAccepted(ILogger logger, Address from, string remote);

    [LoggerMessage(Level = LogLevel.Error, Message = "closing connection from {Remote}: {Error}")]
    private static partial void LogBadConnection(ILogger logger, string remote, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "bad frame from {From} ({Remote}), closing the connection: {Error}")]
    private static partial void LogBadFrame(ILogger logger, Address from, string remote, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "connection from {From} ({Remote}) lost: {Error}")]
    private static partial void LogConnectionLost(ILogger logger, Address from, string remote, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "accept failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "not sending {Tag} of {Bytes} bytes to {To}: larger than any peer accepts (a node bug)")]
    private static partial void LogOversizedSend(ILogger logger, MessageTag tag, int bytes, Address to);
}
