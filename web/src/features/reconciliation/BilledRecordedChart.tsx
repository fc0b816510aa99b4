import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { formatDay } from '../../shared/dates';
import { formatMoney, toChartNumber } from '../../shared/money';

export interface DayFigures {
  /** UTC day start, RFC 3339. */
  day: string;
  billed: string;
  recorded: string;
}

/**
 * Billed (bars) against recorded (a line) per UTC day, drawn by uPlot like the overview's chart. Heights are
 * numbers for pixels only; the legend and tooltip show the decimal strings.
 */
export function BilledRecordedChart({ days, currency, label }: { days: DayFigures[]; currency: string; label: string }) {
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const style = getComputedStyle(el);
    const axisColor = style.getPropertyValue('--muted').trim() || '#64748b';
    const gridColor = style.getPropertyValue('--border').trim() || '#e2e8f0';
    const money = (amount: string) => formatMoney({ amount, currency });
    const plot = new uPlot(
      {
        width: Math.max(320, el.clientWidth),
        height: 240,
        legend: { show: true, live: true },
        cursor: { points: { show: false }, drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] } },
        axes: [
          {
            stroke: axisColor,
            grid: { show: false },
            ticks: { stroke: gridColor },
            values: (_u, ticks) => ticks.map((t) => formatDay(new Date(t * 1000).toISOString())),
          },
          {
            stroke: axisColor,
            grid: { stroke: gridColor, width: 1 },
            ticks: { show: false },
            size: 70,
            values: (_u, ticks) =>
              ticks.map((t) => new Intl.NumberFormat('en-US', { style: 'currency', currency, notation: 'compact' }).format(t)),
          },
        ],
        series: [
          { label: 'Day (UTC)', value: (_u, v) => (v == null ? '' : formatDay(new Date(v * 1000).toISOString())) },
          {
            label: 'Billed',
            fill: '#4f46e5',
            stroke: '#4f46e5',
            width: 0,
            paths: uPlot.paths.bars!({ size: [0.6, 40], gap: 1 }),
            points: { show: false },
            value: (_u: uPlot, _v: number | null, _s: number, i: number | null) => (i == null ? '' : money(days[i]?.billed ?? '0')),
          },
          {
            label: 'Recorded',
            stroke: '#d97706',
            width: 2,
            points: { show: true, size: 5 },
            value: (_u: uPlot, _v: number | null, _s: number, i: number | null) => (i == null ? '' : money(days[i]?.recorded ?? '0')),
          },
        ],
        hooks: {
          draw: [
            () => {
              el.dataset.drawn = 'true';
            },
          ],
        },
      },
      [days.map((d) => Date.parse(d.day) / 1000), days.map((d) => toChartNumber(d.billed)), days.map((d) => toChartNumber(d.recorded))],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(320, el.clientWidth), height: 240 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
      delete el.dataset.drawn;
    };
  }, [days, currency]);

  return <div ref={host} className="chart" role="img" aria-label={label} data-testid="billed-recorded-chart" />;
}
