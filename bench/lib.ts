/** Small, dependency-free measurement helpers for `npm run bench`. */

export interface Sample {
  /** Operations per second, or a duration in ms, per run. */
  values: number[];
}

export interface Row {
  figure: string;
  median: number;
  min: number;
  max: number;
  unit: string;
  /** The baseline measured in the same run, with its own unit; null when the figure has none. */
  baseline: number | null;
  /** ours / baseline, oriented so that higher is better. */
  ratio: number | null;
  target: string;
  pass: boolean | null;
  note?: string;
  /**
   * The target is defined at the full run's scale (e.g. the peer's ratios at 10,000 and
   * 100,000 users): a quick run prints the figure and does not judge it.
   */
  fullScaleOnly?: boolean;
  /** Set by a quick run on a `fullScaleOnly` row: printed as "not judged". */
  unjudged?: boolean;
}

/** A quick run's rows: those whose targets only hold at full scale are shown, not judged. */
export function judgeQuick(rows: Row[]): Row[] {
  return rows.map((r) =>
    r.fullScaleOnly && r.pass !== null
      ? {
          ...r,
          pass: null,
          unjudged: true,
          note: `${r.note ? `${r.note}; ` : ''}not judged in a quick run: its target is defined at the full run's scale`,
        }
      : r,
  );
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function summary(values: number[]): { median: number; min: number; max: number } {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/**
 * A throughput row judged by its ratio to a baseline measured in the same run. With
 * `paired` (ours[i] measured next to baseline[i], in alternating order), the ratio is the
 * median of the per-pair ratios, so drift over the run (the disk's cache and journal,
 * other tenants) cancels out instead of landing on one side.
 */
export function ratioRow(
  figure: string,
  ours: number[],
  baseline: number[],
  unit: string,
  minRatio: number,
  paired = false,
): Row {
  const o = summary(ours);
  const b = summary(baseline).median;
  const pairs = ours.map((x, i) => x / baseline[i]!);
  const ratio = paired ? median(pairs) : o.median / b;
  return {
    figure,
    ...o,
    unit,
    baseline: b,
    ratio,
    target: `≥ ${minRatio}× raw`,
    pass: ratio >= minRatio,
    ...(paired
      ? {
          note: `ratio: median of ${ours.length} paired runs (${pairs.map((r) => r.toFixed(2)).join(' ')}), each pair in alternating order`,
        }
      : {}),
  };
}

/**
 * A latency row from rounds of samples: the median of the rounds' p99 (min–max across
 * rounds), judged against `targetMs`, next to a baseline p99 measured in the same rounds.
 */
export function p99Row(
  figure: string,
  rounds: number[][],
  baseline: number,
  targetMs: number,
  target: string,
  note: string,
): Row {
  const p99s = rounds.map((l) => percentile(l, 99));
  const value = median(p99s);
  return {
    figure,
    median: value,
    min: Math.min(...p99s),
    max: Math.max(...p99s),
    unit: 'ms',
    baseline,
    ratio: baseline / value,
    target,
    pass: value <= targetMs,
    note,
  };
}

/** Runs `fn` once over `ops` operations and returns operations per second. */
export function opsPerSecond(ops: number, fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (ops * 1000) / (performance.now() - t0);
}

/** Times each call of `fn` and returns per-call latencies in ms. */
export function latencies(n: number, fn: (i: number) => void): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn(i);
    out[i] = performance.now() - t0;
  }
  return out;
}

/** A small deterministic PRNG (mulberry32) so generated data is the same every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function fmt(n: number | null): string {
  if (n === null || Number.isNaN(n)) return '—';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  if (Math.abs(n) >= 1) return n.toFixed(2);
  return n.toPrecision(2);
}

export function printTable(rows: Row[]): string {
  const head = ['figure', 'median', 'min', 'max', 'unit', 'baseline', 'ratio', 'target', 'result'];
  const body = rows.map((r) => [
    r.figure,
    fmt(r.median),
    fmt(r.min),
    fmt(r.max),
    r.unit,
    fmt(r.baseline),
    r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`,
    r.target,
    r.unjudged ? 'not judged' : r.pass === null ? 'info' : r.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join(
    '\n',
  );
}
