// Prometheus range results → the column arrays uPlot draws. Series from one query share a step
// but not always every timestamp (a replica that was down has gaps), so the x axis is the union
// of all timestamps and a missing point is null (uPlot draws a gap there). Pure, unit-tested.
import type { MetricSeries } from '../../lab/lab-types';

export type Columns = [number[], ...(number | null)[][]];

export function alignSeries(series: readonly MetricSeries[]): Columns {
  const xs = [...new Set(series.flatMap((s) => s.points.map(([t]) => t)))].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const ys = series.map((s) => {
    const column: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const [t, v] of s.points) column[index.get(t)!] = Number.isFinite(v) ? v : null;
    return column;
  });
  return [xs, ...ys];
}
