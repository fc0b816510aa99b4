import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import type { Schemas } from '../../shared/api/schema';
import { formatDay } from '../../shared/dates';
import { dayMoneyFrame } from '../../shared/chart/day-money-frame';
import { formatMoney, toChartNumber } from '../../shared/money';

type Forecast = Schemas['ForecastDto'];

/**
 * The month's cumulative spend: what was spent (solid) and the projection to month end (dashed) inside its 80 %
 * and 95 % prediction bands, drawn by uPlot. Heights are numbers; every amount shown is formatted from the API's
 * decimal strings.
 */
export function ForecastChart({ forecast, label, height = 220 }: { forecast: Forecast; label: string; height?: number }) {
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const days = forecast.daily;
    const xs = days.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000);
    const num = (v: string | undefined) => (v === undefined ? null : toChartNumber(v));
    // Spent: the cumulative actual, today's spend so far included, so the line meets the projection at today.
    let running = 0;
    const spent = days.map((d) => {
      if (d.actual === undefined) return null;
      running = d.expected === undefined ? (num(d.cumulative.expected) ?? running) : running + toChartNumber(d.actual);
      return running;
    });
    const projected = days.map((d) => (d.expected !== undefined ? num(d.cumulative.expected) : null));
    const band = (p: 'p80' | 'p95', side: 'low' | 'high') => days.map((d) => num(d.cumulative.intervals?.[p][side]));
    const accent = getComputedStyle(el).getPropertyValue('--accent').trim() || '#4338ca';
    const money = (amount: string | undefined) => (amount === undefined ? '—' : formatMoney({ amount, currency: forecast.currency }));
    const value =
      (pick: (d: Forecast['daily'][number]) => string | undefined) => (_u: uPlot, _v: number | null, _s: number, i: number | null) =>
        i == null ? '' : money(pick(days[i]));

    const plot = new uPlot(
      {
        ...dayMoneyFrame(el, { height, currency: forecast.currency }),
        series: [
          { label: 'Day (UTC)', value: (_u, v) => (v == null ? '' : formatDay(new Date(v * 1000).toISOString())) },
          {
            label: 'Spent',
            stroke: accent,
            width: 2,
            points: { show: false },
            value: value((d) => (d.expected === undefined ? d.cumulative.expected : undefined)),
          },
          {
            label: 'Projected',
            stroke: accent,
            width: 2,
            dash: [6, 4],
            points: { show: false },
            value: value((d) => (d.expected !== undefined ? d.cumulative.expected : undefined)),
          },
          { label: '95 % high', stroke: 'transparent', points: { show: false }, value: value((d) => d.cumulative.intervals?.p95.high) },
          { label: '95 % low', stroke: 'transparent', points: { show: false }, value: value((d) => d.cumulative.intervals?.p95.low) },
          { label: '80 % high', stroke: 'transparent', points: { show: false }, value: value((d) => d.cumulative.intervals?.p80.high) },
          { label: '80 % low', stroke: 'transparent', points: { show: false }, value: value((d) => d.cumulative.intervals?.p80.low) },
        ],
        bands: [
          { series: [3, 4], fill: 'rgba(67, 56, 202, 0.10)' },
          { series: [5, 6], fill: 'rgba(67, 56, 202, 0.20)' },
        ],
        hooks: {
          draw: [
            () => {
              el.dataset.drawn = 'true';
            },
          ],
        },
      },
      [xs, spent, projected, band('p95', 'high'), band('p95', 'low'), band('p80', 'high'), band('p80', 'low')],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(320, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
      delete el.dataset.drawn;
    };
  }, [forecast, height]);

  return <div ref={host} className="chart" role="img" aria-label={label} data-testid="forecast-chart" />;
}
