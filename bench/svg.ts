// `npm run bench`'s chart: PUSH/PULL msg/s by message size and the pipeline's scaling, as SVG.
import type { Mode } from "../services/bench/wire.js";
import { find, mbPerSecond, perSecond, scaling, sizesOf, type BenchReport, type Path } from "./figures.js";
import { bytes, si, times } from "./markdown.js";

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

const SERIES: Array<{ path: Path; mode: Mode; label: string; color: string }> = [
  { path: "loopback", mode: "naive", label: "naive, loopback", color: "#c6dbef" },
  { path: "containers", mode: "naive", label: "naive, containers", color: "#6baed6" },
  { path: "loopback", mode: "lab", label: "lab, loopback", color: "#fdd0a2" },
  { path: "containers", mode: "lab", label: "lab, containers", color: "#e6550d" },
];

/**
 * Two panels: PUSH/PULL msg/s by message size (log scale, one bar per path and mode) and the
 * pipeline's tasks/s by consumer count with the speed-up over each bar.
 */
export function svg(report: BenchReport): string {
  const [W, H, top, bottom] = [900, 380, 50, 320];
  const out: string[] = [];
  const text = (x: number, y: number, body: string, extra = "") =>
    out.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${extra}>${escapeXml(body)}</text>`);
  const rect = (x: number, y: number, w: number, h: number, fill: string, title: string) =>
    out.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${Math.max(0, h).toFixed(1)}" fill="${fill}"><title>${escapeXml(title)}</title></rect>`);
  const line = (x1: number, y1: number, x2: number, y2: number, stroke = "#ddd") =>
    out.push(`<line x1="${x1}" y1="${y1.toFixed(1)}" x2="${x2}" y2="${y2.toFixed(1)}" stroke="${stroke}"/>`);

  // Left: throughput, log10 scale.
  const [lx, lw] = [70, 480];
  const rates = report.throughput.map(perSecond).filter((r) => r > 0);
  // A decade of room below the slowest bar, so even the smallest is visible.
  const lo = Math.floor(Math.log10(Math.min(...rates, 1e5) / 3));
  const hi = Math.ceil(Math.log10(Math.max(...rates, 1e5)));
  const y = (r: number) => bottom - ((Math.log10(Math.max(r, 10 ** lo)) - lo) / (hi - lo)) * (bottom - top);
  text(lx, 24, "PUSH/PULL throughput by message size (msg/s, log scale)", ' font-weight="bold"');
  for (let p = lo; p <= hi; p++) {
    line(lx, y(10 ** p), lx + lw, y(10 ** p));
    text(lx - 8, y(10 ** p) + 4, si(10 ** p).replace(".00", ""), ' text-anchor="end"');
  }
  const sizes = sizesOf(report.throughput);
  const group = lw / Math.max(1, sizes.length);
  const bar = (group * 0.8) / SERIES.length;
  sizes.forEach((size, g) => {
    SERIES.forEach((s, i) => {
      const row = find(report.throughput, s.path, s.mode, size);
      if (!row) return;
      const x = lx + g * group + group * 0.1 + i * bar;
      rect(x, y(perSecond(row)), bar - 2, bottom - y(perSecond(row)), s.color, `${bytes(size)} ${s.label}: ${si(perSecond(row))} msg/s, ${si(mbPerSecond(row))} MB/s`);
    });
    text(lx + g * group + group / 2, bottom + 18, bytes(size), ' text-anchor="middle"');
  });
  SERIES.forEach((s, i) => {
    rect(lx + i * 120, H - 30, 12, 12, s.color, s.label);
    text(lx + i * 120 + 16, H - 20, s.label);
  });

  // Right: pipeline scaling, linear scale.
  const [rx, rw] = [640, 220];
  const rows = scaling(report.pipeline);
  const peak = Math.max(...rows.map((r) => r.perSecond), 1);
  const ry = (r: number) => bottom - (r / peak) * (bottom - top - 20);
  text(rx - 40, 24, `Pipeline, CPU-bound (tasks/s, ${report.machine.cores} cores)`, ' font-weight="bold"');
  line(rx, bottom, rx + rw, bottom, "#999");
  const slot = rw / Math.max(1, rows.length);
  rows.forEach((r, i) => {
    const x = rx + i * slot + slot * 0.2;
    rect(x, ry(r.perSecond), slot * 0.6, bottom - ry(r.perSecond), "#31a354", `${r.consumers} consumers: ${si(r.perSecond)} tasks/s, ${times(r.speedup)}`);
    text(x + slot * 0.3, ry(r.perSecond) - 6, `${si(r.perSecond)} (${times(r.speedup)})`, ' text-anchor="middle"');
    text(x + slot * 0.3, bottom + 18, `${r.consumers}`, ' text-anchor="middle"');
  });
  text(rx + rw / 2, bottom + 36, "consumers", ' text-anchor="middle"');

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    ...out,
    "</svg>",
    "",
  ].join("\n");
}

