// Reading Prometheus text exposition (what /metrics serves) in tests and benchmarks: the samples of one
// metric, chosen by name and by labels they must carry.

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;
const unescape = (v: string) => v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));

/** Every sample in the text (comments and blank lines skipped). */
export function metricSamples(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = SAMPLE_LINE.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(LABEL)].map((l) => [l[1]!, unescape(l[2]!)]));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The values of `name`'s samples whose labels include `labels`. */
export function metricValues(text: string, name: string, labels: Record<string, string> = {}): number[] {
  return metricSamples(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .map((s) => s.value);
}

/** Their sum (0 when there are none). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  return metricValues(text, name, labels).reduce((a, b) => a + b, 0);
}

/** The names of the metric families and samples the text lists. */
export function exportedMetricNames(text: string): Set<string> {
  const names = new Set(metricSamples(text).map((s) => s.name));
  for (const m of text.matchAll(/^# TYPE (\S+)/gm)) names.add(m[1]!);
  return names;
}
