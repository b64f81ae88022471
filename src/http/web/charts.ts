/**
 * Charts drawn on the server as SVG: no chart library, no script, no inline style (the
 * CSP forbids it; colours come from the stylesheet's `.chart-*` classes). Every chart is
 * an image with a `<title>` and a `<desc>` that says what it shows, followed by the same
 * numbers as a table, so a screen reader or a text browser loses nothing.
 */
import { html, type Html } from './html.ts';

export interface Bar {
  /** What the bar stands for (escaped: may be user text such as a reward name). */
  label: string;
  value: number;
}

export interface BarChartOptions {
  /** Unique on the page: the SVG's title and description are referenced by id. */
  id: string;
  /** The chart's name: the SVG's `<title>` and the table's caption. */
  title: string;
  /** One sentence on what the bars measure (the SVG's `<desc>`, with the values appended). */
  description: string;
  bars: readonly Bar[];
  /** How a value reads (the visitor's number format, a unit). */
  format: (value: number) => string;
  /** Column headers of the table fallback. */
  labelHeader: string;
  valueHeader: string;
  /** The summary that opens the table fallback. */
  tableSummary: string;
}

const WIDTH = 640;
const LABEL_WIDTH = 170;
const VALUE_WIDTH = 90;
const BAR_HEIGHT = 22;
const GAP = 10;
const MAX_LABEL_CHARS = 24;

/**
 * A horizontal bar chart, one bar per entry in the order given, scaled to the largest
 * value (a value at or below zero draws no bar, but keeps its row and its number). Labels
 * longer than the left column are shortened in the drawing only; the table and each bar's
 * own `<title>` carry them whole.
 */
export function horizontalBarChart(o: BarChartOptions): Html {
  const max = Math.max(0, ...o.bars.map((b) => b.value));
  const plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const height = Math.max(1, o.bars.length) * (BAR_HEIGHT + GAP) + GAP;
  const rows = o.bars.map((b, i) => {
    const y = GAP + i * (BAR_HEIGHT + GAP);
    const width = max > 0 && b.value > 0 ? Math.max(2, Math.round((b.value / max) * plot)) : 0;
    const text = y + BAR_HEIGHT / 2;
    const short = b.label.length > MAX_LABEL_CHARS ? `${b.label.slice(0, MAX_LABEL_CHARS - 1)}…` : b.label;
    return html`<g class="chart-row">
      <title>${b.label}: ${o.format(b.value)}</title>
      <text x="${LABEL_WIDTH - 8}" y="${text}" text-anchor="end" dominant-baseline="middle">${short}</text>
      <rect
        class="chart-bar"
        x="${LABEL_WIDTH}"
        y="${y}"
        width="${width}"
        height="${BAR_HEIGHT}"
        rx="3"
      ></rect>
      <text x="${LABEL_WIDTH + width + 6}" y="${text}" dominant-baseline="middle">${o.format(b.value)}</text>
    </g>`;
  });
  const summary = o.bars.map((b) => `${b.label}: ${o.format(b.value)}`).join('; ');
  return html`<figure class="chart">
    <svg
      role="img"
      aria-labelledby="${o.id}-title ${o.id}-desc"
      viewBox="0 0 ${WIDTH} ${height}"
      width="${WIDTH}"
      height="${height}"
      preserveAspectRatio="xMinYMin meet"
    >
      <title id="${o.id}-title">${o.title}</title>
      <desc id="${o.id}-desc">${o.description}${summary ? ` ${summary}.` : ''}</desc>
      <line class="chart-axis" x1="${LABEL_WIDTH}" y1="0" x2="${LABEL_WIDTH}" y2="${height}"></line>
      ${rows}
    </svg>
    <details class="chart-table">
      <summary>${o.tableSummary}</summary>
      <table>
        <caption>
          ${o.title}
        </caption>
        <thead>
          <tr>
            <th scope="col">${o.labelHeader}</th>
            <th scope="col" class="num">${o.valueHeader}</th>
          </tr>
        </thead>
        <tbody>
          ${o.bars.map(
            (b) =>
              html`<tr>
                <th scope="row">${b.label}</th>
                <td class="num">${o.format(b.value)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </details>
  </figure>`;
}
