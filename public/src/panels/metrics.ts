// Live metrics from Prometheus (through the controller, every 5 s): requests per second per
// replica, p95 latency by kind of route, and the error ratio, drawn with uPlot.
import uPlot from 'uplot';
import type { LabEvent, LabState, MetricSeries, MetricsReply } from '../../../lab/lab-types';
import { describeError } from '../api';
import { byId, fill, h } from '../dom';
import { alignSeries } from '../metrics-data';
import { OKABE_ITO } from '../palette';
import type { Panel, PanelContext } from './panel';

const POLL_MS = 5_000;
const HEIGHT = 170;

interface ChartSpec {
  key: 'rpsByReplica' | 'p95ByKind' | 'errorRatio';
  title: string;
  format: (v: number) => string;
  colourOf: (label: string, index: number) => string;
}

interface Chart {
  holder: HTMLElement;
  plot: uPlot | null;
  labels: string;
}

export function createMetricsPanel(ctx: PanelContext): Panel {
  const body = byId('metrics-body');
  const status = h('p', { class: 'metrics-status', 'aria-live': 'polite' }, 'Waiting for the first numbers from Prometheus…');
  const specs: ChartSpec[] = [
    { key: 'rpsByReplica', title: 'Requests per second, per replica', format: (v) => `${v.toFixed(1)}/s`, colourOf: (label) => ctx.colours.colour(label) },
    { key: 'p95ByKind', title: 'p95 latency by kind of route', format: (v) => `${(v * 1000).toFixed(0)} ms`, colourOf: (_, i) => OKABE_ITO[i % OKABE_ITO.length]! },
    { key: 'errorRatio', title: 'Share of requests answered 5xx', format: (v) => `${(v * 100).toFixed(1)} %`, colourOf: (_, i) => OKABE_ITO[(i + 4) % OKABE_ITO.length]! },
  ];
  const charts = new Map<ChartSpec['key'], Chart>();
  fill(body, status, ...specs.map((spec) => {
    const holder = h('div', { class: 'chart', 'data-chart': spec.key });
    charts.set(spec.key, { holder, plot: null, labels: '' });
    return h('figure', {}, h('figcaption', {}, spec.title), holder);
  }));

  function draw(spec: ChartSpec, series: MetricSeries[]): void {
    const chart = charts.get(spec.key)!;
    const labels = series.map((s) => s.label).join('|');
    const data = alignSeries(series);
    if (chart.plot && chart.labels === labels) return chart.plot.setData(data);
    chart.plot?.destroy();
    chart.labels = labels;
    if (!series.length) {
      chart.plot = null;
      return fill(chart.holder, h('p', { class: 'note' }, 'no data in this window yet'));
    }
    fill(chart.holder);
    chart.plot = new uPlot({
      width: Math.max(chart.holder.clientWidth, 240),
      height: HEIGHT,
      scales: { x: { time: true } },
      axes: [{}, { size: 64, values: (_u, ticks) => ticks.map(spec.format) }],
      series: [{}, ...series.map((s, i) => ({
        label: s.label,
        stroke: spec.colourOf(s.label, i),
        width: 2,
        value: (_u: uPlot, v: number | null) => (v === null ? '—' : spec.format(v)),
      }))],
    }, data, chart.holder);
  }

  async function poll(): Promise<void> {
    try {
      const reply = await ctx.api.get<MetricsReply>('/metrics?window=300');
      if (!reply.available) {
        status.textContent = `Prometheus did not answer: ${reply.error ?? 'no reason given'}. The charts keep their last numbers.`;
        status.className = 'metrics-status error';
        return;
      }
      status.textContent = `Last ${reply.windowSeconds / 60} minutes, one point per ${reply.stepSeconds} s, from Prometheus. Updated every ${POLL_MS / 1000} s.`;
      status.className = 'metrics-status';
      for (const spec of specs) draw(spec, reply[spec.key]);
    } catch (error) {
      status.textContent = `No metrics: ${describeError(error)}`;
      status.className = 'metrics-status error';
    }
  }

  window.addEventListener('resize', () => {
    for (const chart of charts.values()) chart.plot?.setSize({ width: Math.max(chart.holder.clientWidth, 240), height: HEIGHT });
  });
  let started = false;
  return {
    hello(_state: LabState) {
      if (started) return;
      started = true;
      void poll();
      window.setInterval(() => void poll(), POLL_MS);
    },
    event(_event: LabEvent) {
      // Metrics come from Prometheus, not from the event stream.
    },
  };
}
