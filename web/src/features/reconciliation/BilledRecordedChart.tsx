import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { formatDay } from '../../shared/dates';
import { dayMoneyFrame } from '../../shared/chart/day-money-frame';
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
    const money = (amount: string) => formatMoney({ amount, currency });
    const plot = new uPlot(
      {
        ...dayMoneyFrame(el, { height: 240, currency }),
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
