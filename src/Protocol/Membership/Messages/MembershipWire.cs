using VinzVault.Protocol.Core;
using VinzVault.Protocol.Wire;

namespace VinzVault.Protocol.Membership.Messages;

/// <summary>
/// An event as EDRA carries it: the event, its detector (the root of its broadcast tree, for the no-wrap rule), and
/// its age in centiseconds when sent (time since detection, summed hop by hop from local clocks, so no clock has to
/// agree with another): every host then dates the event alike, which anti-entropy needs to compare tables as they
/// stood one delivery time ago.
/// </summary>
public readonly record struct EdraEvent(MembershipEvent Event, RingId Detector, uint AgeCentis = 0)
{
    /// <summary>Centiseconds of <paramref name="age"/>, rounded to the nearest and saturated.</summary>
    public static uint Centis(Micros age) => (uint)Math.Clamp((age.Value + 5_000) / 10_000, 0, uint.MaxValue);

    /// <summary>The age that <paramref name="centis"/> stands for.</summary>
    public static Micros FromCentis(uint centis) => new(centis * 10_000L);
}

/// <summary>Encoding of membership records shared by the D1HT messages (one place for their sizes).</summary>
internal static class MembershipWire
{
    /// <summary>Most records one frame may carry; larger batches are split by the sender (bounded frames).</summary>
    public const int MaxRecords = 1 << 16;
    private const int MinRecordBytes = 10;

    public static void Write(WireWriter w, in MembershipEvent e)
    {
        w.U64(e.Id.Value);
        w.VarU(e.Address.Value);
        w.VarU(StateWord(e));
    }

    public static int Size(in MembershipEvent e) => 8 + WireWriter.VarUSize(e.Address.Value) + WireWriter.VarUSize(StateWord(e));

    public static MembershipEvent Read(ref WireReader r)
    {
        var id = new RingId(r.U64("member id"));
        var address = new Address(r.VarU("member address"));
        ulong word = r.VarU("member state");
        if (word >> 1 > uint.MaxValue) r.Fail("bad member state: incarnation out of range");
        return new MembershipEvent(id, address, (uint)(word >> 1), (word & 1) == 1);
    }

    public static void WriteAll(WireWriter w, IReadOnlyList<MembershipEvent> states)
    {
        w.VarU((ulong)states.Count);
        foreach (var s in states) Write(w, s);
    }

    public static int SizeAll(IReadOnlyList<MembershipEvent> states)
    {
        int n = WireWriter.VarUSize((ulong)states.Count);
        foreach (var s in states) n += Size(s);
        return n;
    }

    public static MembershipEvent[] ReadAll(ref WireReader r)
    {
        int n = r.Count(MinRecordBytes, MaxRecords, "member count");
        var a = new MembershipEvent[n];
        for (int i = 0; i < n && r.Ok; i++) a[i] = Read(ref r);
        return a;
    }

    private static ulong StateWord(in MembershipEvent e) => (ulong)e.Incarnation << 1 | (e.Joined ? 1UL : 0UL);
}
