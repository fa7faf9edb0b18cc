using VinzVault.Protocol.Wire;

namespace VinzVault.Protocol.Ping;

/// <summary>Heartbeat of the trivial protocol: the sender's incarnation and a sequence number to echo.</summary>
public sealed record PingMessage(long Seq, uint Incarnation) : Message
{
    public override MessageTag Tag => MessageTag.Ping;
    public override void Encode(WireWriter w) { w.VarU((ulong)Seq); w.U32(Incarnation); }
    public override int Size() => 1 + WireWriter.VarUSize((ulong)Seq) + 4;
    internal static PingMessage Read(ref WireReader r) => new((long)r.VarU("seq"), r.U32("incarnation"));
}

/// <summary>Answer to a <see cref="PingMessage"/>, echoing its sequence number.</summary>
public sealed record PongMessage(long Seq, uint Incarnation) : Message
{
    public override MessageTag Tag => MessageTag.Pong;
    public override void Encode(WireWriter w) { w.VarU((ulong)Seq); w.U32(Incarnation); }
    public override int Size() => 1 + WireWriter.VarUSize((ulong)Seq) + 4;
    internal static PongMessage Read(ref WireReader r) => new((long)r.VarU("seq"), r.U32("incarnation"));
}
