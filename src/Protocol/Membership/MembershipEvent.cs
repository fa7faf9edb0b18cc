using VinzVault.Protocol.Core;

namespace VinzVault.Protocol.Membership;

/// <summary>
/// What a table knows about one host: its id, address, session (incarnation) and whether that session is
/// live. It is also the membership event (a join or a leave) and the anti-entropy record, so there is one
/// precedence rule for all three: a higher <see cref="Version"/> wins, and a leave beats the join of the
/// same incarnation (a leave that overtakes its join is still recognised).
/// </summary>
public readonly record struct MembershipEvent(RingId Id, Address Address, uint Incarnation, bool Joined)
{
    /// <summary>Total order of states of one host: incarnation first, then leave after join.</summary>
    public ulong Version => (ulong)Incarnation << 1 | (Joined ? 0UL : 1UL);

    public Member Member => new(Id, Address, Incarnation);

    public static MembershipEvent Join(Member m) => new(m.Id, m.Address, m.Incarnation, true);
    public static MembershipEvent Leave(Member m) => new(m.Id, m.Address, m.Incarnation, false);

    /// <summary>A stable 64-bit hash of the record, summed into segment digests (addition commutes, so digests are order-free).</summary>
    public ulong DigestHash => StableHash.Combine(StableHash.Combine(StableHash.Mix(Id.Value), Address.Value), Version);

    public override string ToString() => $"{(Joined ? "join" : "leave")} {Id}@{Incarnation} ({Address})";
}

/// <summary>A live member as a lookup sees it.</summary>
public readonly record struct Member(RingId Id, Address Address, uint Incarnation);
