namespace VinzVault.Runtime.Sim.Scenarios;

/// <summary>Finds the known name a user most likely meant, for "did you mean" hints on typos.</summary>
internal static class ClosestName
{
    /// <summary>The closest of <paramref name="known"/> to <paramref name="typed"/>, or null when none is close enough to be a typo.</summary>
    public static string? Find(string typed, IEnumerable<string> known)
    {
        // Short names tolerate one edit; longer ones about one per three characters.
        int limit = typed.Length <= 4 ? 1 : Math.Max(2, typed.Length / 3);
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string name in known)
        {
            int d = Distance(typed.ToLowerInvariant(), name.ToLowerInvariant());
            if (d < bestDistance) (best, bestDistance) = (name, d);
        }
        return bestDistance <= limit ? best : null;
    }

    /// <summary>Edit distance counting a swap of two neighbouring letters as one edit ("lsos" is one edit from "loss").</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
