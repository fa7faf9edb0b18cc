using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VinzVault.Runtime.Sim.Engine;

namespace VinzVault.Runtime.Sim.Reporting;

/// <summary>A self-contained HTML page: the run's summary and one SVG line chart per chart group over virtual time.</summary>
public static class HtmlReport
{
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    public static string Render(JsonObject report, Metrics metrics)
    {
        var sb = new StringBuilder();
        string title = WebUtility.HtmlEncode($"VinzVault simulation: {report["scenario"]} (seed {report["seed"]})");
        sb.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").Append(title).Append("</title><style>")
          .Append("body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}")
          .Append(".bad{color:#b00;font-weight:bold}.ok{color:#070}svg{background:#fafafa;border:1px solid #ddd;margin:8px 0}h2{margin-top:1.5em}")
          .Append("</style></head><body><h1>").Append(title).Append("</h1>");
        sb.Append("<table>");
        foreach (var key in new[] { "hosts", "protocol", "virtualSeconds", "wallSeconds", "events", "messages", "bytes", "traceDigest", "peakWorkingSetBytes" })
            sb.Append("<tr><th>").Append(key).Append("</th><td>").Append(WebUtility.HtmlEncode(report[key]?.ToJsonString().Trim('"') ?? "")).Append("</td></tr>");
        sb.Append("</table><h2>Invariants</h2><table><tr><th>name</th><th>held</th><th>checks</th><th>violations</th><th>first violation</th></tr>");
        foreach (var inv in report["invariants"]!.AsArray())
        {
            bool held = inv!["held"]!.GetValue<bool>();
            sb.Append("<tr><td>").Append(inv["name"]).Append("</td><td class=\"").Append(held ? "ok\">yes" : "bad\">NO").Append("</td><td>")
              .Append(inv["checks"]).Append("</td><td>").Append(inv["violations"]).Append("</td><td>")
              .Append(WebUtility.HtmlEncode(inv["firstViolation"]?.GetValue<string>() ?? "")).Append("</td></tr>");
        }
        sb.Append("</table>");
        foreach (var section in new[] { "faults", "membership", "storage", "ping" })
        {
            if (report[section] is not JsonObject obj) continue;
            sb.Append("<h2>").Append(section).Append("</h2><pre>").Append(WebUtility.HtmlEncode(obj.ToJsonString(new JsonSerializerOptions { WriteIndented = true }))).Append("</pre>");
        }
        sb.Append("<h2>Over virtual time</h2>");
        foreach (var group in metrics.All.GroupBy(s => s.Chart))
            Chart(sb, group.Key, group.ToList());
        sb.Append("</body></html>");
        return sb.ToString();
    }

    private static void Chart(StringBuilder sb, string title, List<Series> series)
    {
        const int W = 900, H = 260, L = 70, R = 20, T = 30, B = 35;
        var pts = series.SelectMany(s => s.Points).ToList();
        if (pts.Count == 0) return;
        double x0 = pts.Min(p => p.T), x1 = Math.Max(pts.Max(p => p.T), x0 + 1e-9);
        double y0 = Math.Min(0, pts.Min(p => p.V)), y1 = pts.Max(p => p.V);
        if (y1 <= y0) y1 = y0 + 1;
        double X(double t) => L + (t - x0) / (x1 - x0) * (W - L - R);
        double Y(double v) => H - B - (v - y0) / (y1 - y0) * (H - T - B);
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"<svg width=\"{W}\" height=\"{H}\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\">");
        sb.Append(inv, $"<text x=\"{L}\" y=\"18\" font-size=\"13\" font-weight=\"bold\">{WebUtility.HtmlEncode(title)}</text>");
        for (int i = 0; i <= 4; i++)
        {
            double v = y0 + (y1 - y0) * i / 4, y = Y(v);
            sb.Append(inv, $"<line x1=\"{L}\" x2=\"{W - R}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\" stroke=\"#e4e4e4\"/><text x=\"{L - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{Fmt(v)}</text>");
            double t = x0 + (x1 - x0) * i / 4, x = X(t);
            sb.Append(inv, $"<text x=\"{x:0.#}\" y=\"{H - B + 16}\" text-anchor=\"middle\">{Fmt(t)}s</text>");
        }
        for (int k = 0; k < series.Count; k++)
        {
            var s = series[k];
            string color = Colors[k % Colors.Length];
            sb.Append(inv, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" points=\"");
            foreach (var (t, v) in Thin(s.Points)) sb.Append(inv, $"{X(t):0.#},{Y(v):0.#} ");
            sb.Append("\"/>");
            sb.Append(inv, $"<text x=\"{W - R - 4}\" y=\"{T + 14 * k}\" text-anchor=\"end\" fill=\"{color}\">{WebUtility.HtmlEncode(s.Name)} ({WebUtility.HtmlEncode(s.Unit)})</text>");
        }
        sb.Append("</svg>\n");
    }

    /// <summary>At most about 2,000 points per line: keeps every k-th, enough for a 900-pixel chart.</summary>
    private static IEnumerable<(double T, double V)> Thin(List<(double T, double V)> pts)
    {
        int step = Math.Max(1, pts.Count / 2000);
        for (int i = 0; i < pts.Count; i += step) yield return pts[i];
    }

    private static string Fmt(double v) => Math.Abs(v) >= 1e6 ? (v / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M"
        : Math.Abs(v) >= 1e4 ? (v / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "k"
        : v.ToString("0.###", CultureInfo.InvariantCulture);
}
