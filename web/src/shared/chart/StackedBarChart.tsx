import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { Decimal } from 'decimal.js';
import { formatMoney, toChartNumber } from '../money';
import { formatDay } from '../dates';
import { dayMoneyFrame } from './day-money-frame';

export interface StackedSeries {
  label: string;
  /** One decimal string per bucket. */
  values: string[];
}

export interface StackedBarChartProps {
  /** Bucket starts, RFC 3339 (UTC days or hours). */
  buckets: string[];
  series: StackedSeries[];
  currency: string;
  /** Says what the chart shows, for screen readers (the numbers are in the tables beside it). */
  label: string;
  height?: number;
  hourly?: boolean;
}

const PALETTE = ['#4f46e5', '#0891b2', '#d97706', '#db2777', '#059669', '#7c3aed', '#dc2626', '#65a30d', '#64748b'];

/**
 * Stacked bars drawn by uPlot on a canvas: thousands of bars stay fast. Each series is drawn from zero to its
 * cumulative height, tallest first, so the later ones cover the lower part: a stack without uPlot's band plugin.
 * Heights are numbers (pixels); every amount shown (legend, tooltip) is formatted from the decimal strings.
 */
export function StackedBarChart({ buckets, series, currency, label, height = 260, hourly = false }: StackedBarChartProps) {
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const xs = buckets.map((b) => Date.parse(b) / 1000);
    // Cumulative sums per bucket, exact, then numbers for the geometry.
    const cumulative: number[][] = [];
    let running = buckets.map(() => new Decimal(0));
    for (const s of series) {
      running = running.map((sum, i) => sum.plus(s.values[i] ?? '0'));
      cumulative.push(running.map((d) => toChartNumber(d.toFixed())));
    }
    const order = series.map((_, i) => i).reverse();
    const colors = series.map((_, i) => PALETTE[i % PALETTE.length]);
    const bars = uPlot.paths.bars!({ size: [0.7, 48], gap: 1 });
    const money = (amount: string) => formatMoney({ amount, currency });
    // Off the bars, the legend shows each series' total over the window.
    const totals = series.map((s) => money(s.values.reduce((sum, v) => sum.plus(v), new Decimal(0)).toFixed()));

    const plot = new uPlot(
      {
        ...dayMoneyFrame(el, {
          height,
          currency,
          dayLabel: (t) => (hourly ? new Date(t * 1000).toISOString().slice(11, 16) : formatDay(new Date(t * 1000).toISOString())),
        }),
        series: [
          {
            label: hourly ? 'Hour (UTC)' : 'Day (UTC)',
            value: (_u, v) => (v == null ? 'Total' : formatDay(new Date(v * 1000).toISOString())),
          },
          ...order.map((i) => ({
            label: series[i].label,
            fill: colors[i],
            stroke: colors[i],
            width: 0,
            paths: bars,
            points: { show: false },
            value: (_u: uPlot, _v: number | null, _s: number, idx: number | null) =>
              idx == null ? totals[i] : money(series[i].values[idx] ?? '0'),
          })),
        ],
        hooks: {
          draw: [
            () => {
              el.dataset.drawn = 'true';
              performance.mark('llmlab:chart-drawn');
            },
          ],
        },
      },
      [xs, ...order.map((i) => cumulative[i])],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(320, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
      delete el.dataset.drawn;
    };
  }, [buckets, series, currency, height, hourly]);

  return <div ref={host} className="chart" role="img" aria-label={label} data-testid="stacked-chart" />;
}
