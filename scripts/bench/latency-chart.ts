// Draws the bench's latency by senders as an SVG (docs/benchmarks.md): p50 and p99 of each floor and of
// order-relay's webhook in both ack modes, from `npm run bench -- --json` output.
//   npm run bench -- --json > bench.json && npx tsx scripts/bench/latency-chart.ts bench.json docs/benchmark-latency.svg
import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';

interface Point {
  senders: number;
  p50: number;
  p99: number;
}
interface Series {
  name: string;
  color: string;
  dashed: boolean;
  points: Point[];
}
interface BenchJson {
  machine: { cpus: number; loadAverageAtStart: number; loadAverageAtEnd?: number };
  floors: { floor: string; senders: number; load: { latencyMs: { p50: number; p99: number } } }[];
  runs: { ackMode: string; senders: number; load: { latencyMs: { p50: number; p99: number } } }[];
}

const W = 760;
const H = 420;
const M = { left: 70, right: 230, top: 40, bottom: 50 };

function seriesOf(bench: BenchJson): Series[] {
  const pts = (rows: { senders: number; load: { latencyMs: { p50: number; p99: number } } }[]) =>
    rows
      .map((r) => ({ senders: r.senders, p50: r.load.latencyMs.p50, p99: r.load.latencyMs.p99 }))
      .sort((a, b) => a.senders - b.senders);
  return [
    {
      name: 'order-relay verified ack',
      color: '#d62728',
      dashed: false,
      points: pts(bench.runs.filter((r) => r.ackMode === 'verified')),
    },
    {
      name: 'floor (c) update-with-start',
      color: '#d62728',
      dashed: true,
      points: pts(bench.floors.filter((f) => f.floor === 'updateWithStart')),
    },
    {
      name: 'order-relay accepted ack',
      color: '#1f77b4',
      dashed: false,
      points: pts(bench.runs.filter((r) => r.ackMode === 'accepted')),
    },
    {
      name: 'floor (b) workflow.start',
      color: '#1f77b4',
      dashed: true,
      points: pts(bench.floors.filter((f) => f.floor === 'start')),
    },
    {
      name: 'floor (a) bare express',
      color: '#7f7f7f',
      dashed: true,
      points: pts(bench.floors.filter((f) => f.floor === 'http')),
    },
  ].filter((s) => s.points.length > 0);
}

export function latencySvg(bench: BenchJson): string {
  const series = seriesOf(bench);
  const senders = [...new Set(series.flatMap((s) => s.points.map((p) => p.senders)))].sort((a, b) => a - b);
  const maxMs = Math.max(10, ...series.flatMap((s) => s.points.map((p) => p.p99)));
  // Senders on a log axis (1, 8, 32); latency on a log axis too: floors and order-relay differ by 10×.
  const lx = (n: number) => Math.log2(n);
  const [x0, x1] = [lx(senders[0] ?? 1), Math.max(lx(senders[senders.length - 1] ?? 2), lx(senders[0] ?? 1) + 1)];
  const yTop = 10 ** Math.ceil(Math.log10(maxMs));
  const yBottom = 1;
  const x = (n: number) => M.left + ((lx(n) - x0) / (x1 - x0)) * (W - M.left - M.right);
  const y = (ms: number) => M.top + (1 - Math.log10(Math.max(ms, yBottom)) / Math.log10(yTop)) * (H - M.top - M.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="22" font-size="14" font-weight="bold">Webhook latency by concurrent senders (p50 solid dot, p99 open dot)</text>`,
  ];
  for (let ms = 1; ms <= yTop; ms *= 10) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(ms)}" y2="${y(ms)}" stroke="#ddd"/>`);
    out.push(
      `<text x="${M.left - 8}" y="${y(ms) + 4}" text-anchor="end">${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}</text>`,
    );
  }
  for (const n of senders) {
    out.push(`<line x1="${x(n)}" x2="${x(n)}" y1="${M.top}" y2="${H - M.bottom}" stroke="#eee"/>`);
    out.push(`<text x="${x(n)}" y="${H - M.bottom + 18}" text-anchor="middle">${n}</text>`);
  }
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 10}" text-anchor="middle">concurrent senders</text>`);
  series.forEach((s, i) => {
    const dash = s.dashed ? ' stroke-dasharray="5,4"' : '';
    const line = (key: 'p50' | 'p99', opacity: number) =>
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" stroke-opacity="${opacity}"${dash} points="${s.points.map((p) => `${x(p.senders)},${y(p[key])}`).join(' ')}"/>`;
    out.push(line('p50', 1), line('p99', 0.35));
    for (const p of s.points) {
      out.push(
        `<circle cx="${x(p.senders)}" cy="${y(p.p50)}" r="3.5" fill="${s.color}"><title>${s.name}, ${p.senders} senders: p50 ${p.p50} ms</title></circle>`,
      );
      out.push(
        `<circle cx="${x(p.senders)}" cy="${y(p.p99)}" r="3.5" fill="white" stroke="${s.color}"><title>${s.name}, ${p.senders} senders: p99 ${p.p99} ms</title></circle>`,
      );
    }
    const ly = M.top + 10 + i * 20;
    out.push(
      `<line x1="${W - M.right + 15}" x2="${W - M.right + 45}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
    );
    out.push(`<text x="${W - M.right + 52}" y="${ly + 4}">${s.name}</text>`);
  });
  const m = bench.machine;
  out.push(
    `<text x="${W - M.right + 15}" y="${H - M.bottom}" fill="#555">${m.cpus} cores, load average ${m.loadAverageAtStart}${m.loadAverageAtEnd !== undefined ? `→${m.loadAverageAtEnd}` : ''}</text>`,
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

if (require.main === module) {
  const program = new Command('latency-chart')
    .argument('<bench-json>', 'the output of npm run bench -- --json')
    .argument('<svg>', 'where to write the chart')
    .parse();
  const [input, output] = program.args as [string, string];
  writeFileSync(output, latencySvg(JSON.parse(readFileSync(input, 'utf8')) as BenchJson));
}
