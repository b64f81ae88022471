/**
 * Charts drawn on the server as SVG: no chart library and no script, so a page stays small
 * and works without JavaScript. Every chart is a `<figure>` whose `<svg role="img">` is
 * named by its `<title>` and described by its `<desc>`, followed by a visually hidden table
 * with the same numbers for screen readers (and anyone who copies them). Colours come from
 * classes in assets.ts (`.series-1` … `.series-4`), so they follow the light/dark theme and
 * no inline style is needed.
 */
import { html, join, raw, type Html } from './html.ts';

export interface ChartSeries {
  name: string;
  values: readonly number[];
}

interface ChartText {
  /** Unique on the page: the prefix of the title's and description's ids. */
  id: string;
  title: string;
  desc: string;
  /** How numbers are written (the visitor's locale). */
  format: (n: number) => string;
}

export interface SeriesChart extends ChartText {
  /** One label per point (a day, a week), oldest first. */
  labels: readonly string[];
  /** The header of the label column in the data table ("Day", "Week"). */
  labelHeader: string;
  series: readonly ChartSeries[];
}

const W = 640;
const H = 220;
const LEFT = 52;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 26;
const PLOT_W = W - LEFT - RIGHT;
const PLOT_H = H - TOP - BOTTOM;

/**
 * A line per series over shared labels (daily counts, for instance). An empty or all-zero
 * chart still draws its axes.
 */
export function lineChart(o: SeriesChart): Html {
  const max = niceMax(Math.max(0, ...o.series.flatMap((s) => s.values)));
  const x = (i: number) => LEFT + (o.labels.length <= 1 ? PLOT_W / 2 : (i * PLOT_W) / (o.labels.length - 1));
  const lines = o.series.map((s, n) => {
    const points = s.values.map((v, i) => `${round(x(i))},${round(y(v, max))}`).join(' ');
    return raw(
      `<polyline class="line series-${(n % 4) + 1}" fill="none" stroke-width="2" points="${points}" />`,
    );
  });
  return figure(o, join([axes(o, max), ...lines]), legend(o.series), dataTable(o, o.labels, o.series));
}

/**
 * Bars stacked per label (one segment per series), and optionally a line drawn over them
 * against the same axis: Sparks issued by source per day, against Sparks spent.
 */
export function stackedBars(o: SeriesChart & { line?: ChartSeries }): Html {
  const totals = o.labels.map((_, i) => o.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals, ...(o.line?.values ?? [])));
  const slot = PLOT_W / Math.max(1, o.labels.length);
  const barW = Math.max(1, slot * 0.7);
  const bars: Html[] = [];
  o.labels.forEach((_, i) => {
    let base = 0;
    o.series.forEach((s, n) => {
      const v = s.values[i] ?? 0;
      if (v <= 0) return;
      const top = y(base + v, max);
      const height = y(base, max) - top;
      bars.push(
        raw(
          `<rect class="bar series-${(n % 4) + 1}" x="${round(LEFT + i * slot + (slot - barW) / 2)}" y="${round(top)}" width="${round(barW)}" height="${round(height)}" />`,
        ),
      );
      base += v;
    });
  });
  const all = o.line ? [...o.series, o.line] : o.series;
  const overlay = o.line
    ? raw(
        `<polyline class="line series-4" fill="none" stroke-width="2" points="${o.line.values
          .map((v, i) => `${round(LEFT + i * slot + slot / 2)},${round(y(v, max))}`)
          .join(' ')}" />`,
      )
    : '';
  return figure(o, html`${axes(o, max)}${bars}${overlay}`, legend(all), dataTable(o, o.labels, all));
}

export interface BarRow {
  label: string;
  value: number;
}

/**
 * One horizontal bar per row, labelled with its name and value (redemptions by reward,
 * claims per campaign, a funnel's steps). Long names are cut on the chart, never in the
 * table.
 */
export function horizontalBars(
  o: ChartText & { rows: readonly BarRow[]; valueHeader: string; labelHeader: string },
): Html {
  const rowH = 26;
  const labelW = 180;
  const valueW = 70;
  const height = Math.max(1, o.rows.length) * rowH + 4;
  const max = Math.max(1, ...o.rows.map((r) => r.value));
  const bars = o.rows.map((r, i) => {
    const top = i * rowH + 4;
    const width = ((W - labelW - valueW) * r.value) / max;
    return html`<text x="${labelW - 6}" y="${top + 15}" text-anchor="end">${clip(r.label, 28)}</text>
      <rect
        class="bar series-1"
        x="${labelW}"
        y="${top + 3}"
        width="${round(Math.max(r.value > 0 ? 1 : 0, width))}"
        height="${rowH - 8}"
      />
      <text x="${round(labelW + width + 6)}" y="${top + 15}">${o.format(r.value)}</text>`;
  });
  const table = dataTable(
    o,
    o.rows.map((r) => r.label),
    [{ name: o.valueHeader, values: o.rows.map((r) => r.value) }],
  );
  return html`<figure class="chart">
    <svg viewBox="0 0 ${W} ${height}" role="img" aria-labelledby="${o.id}-title ${o.id}-desc">
      <title id="${o.id}-title">${o.title}</title>
      <desc id="${o.id}-desc">${o.desc}</desc>
      ${bars}
    </svg>
    ${table}
  </figure>`;
}

function y(value: number, max: number): number {
  return TOP + PLOT_H - (PLOT_H * value) / max;
}

/** Grid lines at quarters of a round maximum, the labels' first, middle and last ticks. */
function axes(o: SeriesChart, max: number): Html {
  const grid = [0, 1, 2, 3, 4].map((q) => {
    const v = (max * q) / 4;
    const gy = round(y(v, max));
    return html`<line class="gridline" x1="${LEFT}" x2="${W - RIGHT}" y1="${gy}" y2="${gy}" />
      <text x="${LEFT - 6}" y="${gy + 4}" text-anchor="end">${o.format(Math.round(v))}</text>`;
  });
  const n = o.labels.length;
  const ticks = [...new Set([0, Math.floor((n - 1) / 2), n - 1])].filter((i) => i >= 0 && i < n);
  const slot = PLOT_W / Math.max(1, n);
  const labels = ticks.map(
    (i) =>
      html`<text x="${round(LEFT + i * slot + slot / 2)}" y="${H - 8}" text-anchor="middle"
        >${o.labels[i]}</text
      >`,
  );
  return html`${grid}${labels}`;
}

function figure(o: SeriesChart, body: Html, legendList: Html, table: Html): Html {
  return html`<figure class="chart">
    <svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${o.id}-title ${o.id}-desc">
      <title id="${o.id}-title">${o.title}</title>
      <desc id="${o.id}-desc">${o.desc}</desc>
      ${body}
    </svg>
    ${legendList} ${table}
  </figure>`;
}

function legend(series: readonly ChartSeries[]): Html {
  if (series.length < 2) return html``;
  return html`<ul class="legend" aria-hidden="true">
    ${series.map((s, n) => html`<li><span class="swatch series-${(n % 4) + 1}"></span>${s.name}</li>`)}
  </ul>`;
}

/** The chart's numbers as a table only screen readers see: a row per label, a column per series. */
function dataTable(
  o: ChartText & { labelHeader: string },
  labels: readonly string[],
  series: readonly ChartSeries[],
): Html {
  return html`<table class="visually-hidden">
    <caption>
      ${o.title}
    </caption>
    <thead>
      <tr>
        <th scope="col">${o.labelHeader}</th>
        ${series.map((s) => html`<th scope="col">${s.name}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${labels.map(
        (label, i) =>
          html`<tr>
            <th scope="row">${label}</th>
            ${series.map((s) => html`<td>${o.format(s.values[i] ?? 0)}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** The smallest 1, 2 or 5 × 10ⁿ at or above `n` (at least 4, so quarters are whole numbers). */
export function niceMax(n: number): number {
  if (n <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
