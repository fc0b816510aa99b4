import type uPlot from 'uplot';
import { formatDay } from '../dates';

/**
 * What every money-over-days chart shares: its size, legend, cursor, a y scale from zero with headroom, the day
 * axis and the compact money axis, in the page's colours (read from the host element's CSS variables).
 */
export function dayMoneyFrame(
  el: HTMLElement,
  options: { height: number; currency: string; dayLabel?: (seconds: number) => string },
): Pick<uPlot.Options, 'width' | 'height' | 'legend' | 'cursor' | 'scales' | 'axes'> {
  const style = getComputedStyle(el);
  const axisColor = style.getPropertyValue('--muted').trim() || '#64748b';
  const gridColor = style.getPropertyValue('--border').trim() || '#e2e8f0';
  const dayLabel = options.dayLabel ?? ((t: number) => formatDay(new Date(t * 1000).toISOString()));
  const compact = new Intl.NumberFormat('en-US', { style: 'currency', currency: options.currency, notation: 'compact' });
  return {
    width: Math.max(320, el.clientWidth),
    height: options.height,
    legend: { show: true, live: true },
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] } },
    axes: [
      { stroke: axisColor, grid: { show: false }, ticks: { stroke: gridColor }, values: (_u, ticks) => ticks.map(dayLabel) },
      {
        stroke: axisColor,
        grid: { stroke: gridColor, width: 1 },
        ticks: { show: false },
        size: 70,
        // Tick positions are scale values, not amounts of the API: a compact label is enough.
        values: (_u, ticks) => ticks.map((t) => compact.format(t)),
      },
    ],
  };
}
