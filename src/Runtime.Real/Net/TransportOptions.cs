namespace VinzVault.Runtime.Real.Net;

/// <summary>Sizes and timeouts of <see cref="TcpTransport"/>.</summary>
public sealed record TransportOptions
{
    public static readonly TransportOptions Default = new();

    /// <summary>
    /// Frames queued per peer while it is slow or unreachable; the oldest is dropped beyond this. 1024
    /// covers a few seconds of a busy peer's traffic or minutes of heartbeats; the protocol tolerates loss.
    /// </summary>
    public int SendQueueFrames { get; init; } = 1024;

    /// <summary>First wait before reconnecting after a failure; loopback refusals are immediate, so keep it short.</summary>
    public TimeSpan ReconnectMin { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Backoff doubles up to this, so a dead peer costs one attempt (and one log line) per few seconds.</summary>
    public TimeSpan ReconnectMax { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A connect that takes longer than this on a LAN means the peer is gone; fail and back off.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Write buffer per outgoing connection: frames are coalesced and flushed when the queue drains.</summary>
    public int WriteBufferBytes { get; init; } = 64 << 10;
}
