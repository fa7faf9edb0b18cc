using VinzVault.Protocol.Wire;

namespace VinzVault.Protocol.Storage.Metadata;

/// <summary>A Paxos ballot: a counter, ties broken by the proposer's address.</summary>
public readonly record struct Ballot(ulong Counter, ulong Proposer) : IComparable<Ballot>
{
    public static readonly Ballot Zero = default;
    public int CompareTo(Ballot other) => Counter != other.Counter ? Counter.CompareTo(other.Counter) : Proposer.CompareTo(other.Proposer);
    public static bool operator <(Ballot a, Ballot b) => a.CompareTo(b) < 0;
    public static bool operator >(Ballot a, Ballot b) => a.CompareTo(b) > 0;
    public static bool operator <=(Ballot a, Ballot b) => a.CompareTo(b) <= 0;
    public static bool operator >=(Ballot a, Ballot b) => a.CompareTo(b) >= 0;
    public int Size() => WireWriter.VarUSize(Counter) + 8;
    public void Encode(WireWriter w) { w.VarU(Counter); w.U64(Proposer); }
    public static Ballot Read(ref WireReader r) => new(r.VarU("ballot"), r.U64("proposer"));
    public override string ToString() => $"{Counter}.{Proposer}";
}

/// <summary>CASPaxos phase 1: promise to ignore ballots below <see cref="Ballot"/> and report what you accepted.</summary>
public sealed record RegisterPrepareMessage(ulong Key, long RequestId, Ballot Ballot) : Message
{
    public override MessageTag Tag => MessageTag.RegisterPrepare;
    public override void Encode(WireWriter w) { w.U64(Key); w.VarU((ulong)RequestId); Ballot.Encode(w); }
    public override int Size() => 1 + 8 + WireWriter.VarUSize((ulong)RequestId) + Ballot.Size();
    internal static RegisterPrepareMessage Read(ref WireReader r) => new(r.U64("key"), (long)r.VarU("request id"), Ballot.Read(ref r));
}

/// <summary>
/// An acceptor's answer to a prepare: <see cref="Ok"/> with its accepted ballot and value, or a refusal naming
/// the higher ballot it promised (the proposer retries above it).
/// </summary>
public sealed record RegisterPromiseMessage(ulong Key, long RequestId, bool Ok, Ballot Promised, Ballot Accepted, byte[] Value) : Message
{
    public override MessageTag Tag => MessageTag.RegisterPromise;
    public override void Encode(WireWriter w) { w.U64(Key); w.VarU((ulong)RequestId); w.Bool(Ok); Promised.Encode(w); Accepted.Encode(w); w.Bytes(Value); }
    public override int Size() => 1 + 8 + WireWriter.VarUSize((ulong)RequestId) + 1 + Promised.Size() + Accepted.Size() + WireWriter.BytesSize(Value.Length);
    internal static RegisterPromiseMessage Read(ref WireReader r) =>
        new(r.U64("key"), (long)r.VarU("request id"), r.Bool("ok"), Ballot.Read(ref r), Ballot.Read(ref r), r.Bytes(RegisterLimits.MaxValueBytes, "value"));

    public bool Equals(RegisterPromiseMessage? o) => o is not null && Key == o.Key && RequestId == o.RequestId && Ok == o.Ok
        && Promised == o.Promised && Accepted == o.Accepted && Value.AsSpan().SequenceEqual(o.Value);

    public override int GetHashCode() => HashCode.Combine(Key, RequestId);
}

/// <summary>CASPaxos phase 2: accept <see cref="Value"/> at <see cref="Ballot"/> unless a higher ballot was promised.</summary>
public sealed record RegisterAcceptMessage(ulong Key, long RequestId, Ballot Ballot, byte[] Value) : Message
{
    public override MessageTag Tag => MessageTag.RegisterAccept;
    public override void Encode(WireWriter w) { w.U64(Key); w.VarU((ulong)RequestId); Ballot.Encode(w); w.Bytes(Value); }
    public override int Size() => 1 + 8 + WireWriter.VarUSize((ulong)RequestId) + Ballot.Size() + WireWriter.BytesSize(Value.Length);
    internal static RegisterAcceptMessage Read(ref WireReader r) =>
        new(r.U64("key"), (long)r.VarU("request id"), Ballot.Read(ref r), r.Bytes(RegisterLimits.MaxValueBytes, "value"));

    public bool Equals(RegisterAcceptMessage? o) => o is not null && Key == o.Key && RequestId == o.RequestId && Ballot == o.Ballot && Value.AsSpan().SequenceEqual(o.Value);

    public override int GetHashCode() => HashCode.Combine(Key, RequestId);
}

/// <summary>An acceptor durably accepted (or refused, naming its promise).</summary>
public sealed record RegisterAcceptedMessage(ulong Key, long RequestId, bool Ok, Ballot Promised) : Message
{
    public override MessageTag Tag => MessageTag.RegisterAccepted;
    public override void Encode(WireWriter w) { w.U64(Key); w.VarU((ulong)RequestId); w.Bool(Ok); Promised.Encode(w); }
    public override int Size() => 1 + 8 + WireWriter.VarUSize((ulong)RequestId) + 1 + Promised.Size();
    internal static RegisterAcceptedMessage Read(ref WireReader r) => new(r.U64("key"), (long)r.VarU("request id"), r.Bool("ok"), Ballot.Read(ref r));
}

public static class RegisterLimits
{
    /// <summary>A register value (a volume record, a catalog bucket) fits one durable slot.</summary>
    public const int MaxValueBytes = 60 << 10;
}
