// The lab page's pure parts (public/src/), without a browser: the worksheet text renderer's
// escaping, the replica palette, pause/replay of the request stream, the metric columns for
// uPlot and the worksheet progress kept in localStorage. test/e2e/lab-page.test.ts drives the
// real page in Chromium.
import type { LabCheckReport, RequestEvent } from '../../lab/lab-types';
import { escapeHtml, inlineHtml, markdownishToHtml } from '../../public/src/markdownish';
import { alignSeries } from '../../public/src/metrics-data';
import { NO_REPLICA_COLOUR, OKABE_ITO, ReplicaColours, shortLabel, textOn } from '../../public/src/palette';
import { replaySchedule, SeenEvents, StreamRecorder } from '../../public/src/stream-recorder';
import { ProgressStore, type KeyValueStore } from '../../public/src/worksheet-progress';

function request(seq: number, at: number, extra: Partial<RequestEvent> = {}): RequestEvent {
  return {
    type: 'request', seq, at, client: 'client-1', family: 'stateless', policy: 'least_conn', method: 'GET', path: '/api/v1/stateless/info',
    status: 200, replica: 'app-1', upstream: '127.0.0.1:3001', retried: false, latencyMs: 3, requestId: `r${seq}`, errorCode: null,
    purpose: 'traffic', runId: null, lesson: null, cacheStatus: null, ...extra,
  };
}

describe('markdownish', () => {
  it('when text holds HTML, then every character comes out escaped', () => {
    const hostile = `<img src=x onerror="alert(1)"> & 'quotes'`;
    expect(markdownishToHtml(hostile)).toBe('<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;quotes&#39;</p>');
    expect(escapeHtml('<>&"\'')).toBe('&lt;&gt;&amp;&quot;&#39;');
  });

  it('when HTML hides inside code, bold, list items or a fence, then it is escaped there too', () => {
    const html = markdownishToHtml('`<b>` and **<i>x</i>**\n\n- <script>\n\n```\n<script>alert(1)</script>\n```');
    expect(html).not.toMatch(/<(script|img|i|b)[\s>]/);
    expect(html).toContain('<code>&lt;b&gt;</code>');
    expect(html).toContain('<strong>&lt;i&gt;x&lt;/i&gt;</strong>');
    expect(html).toContain('<li>&lt;script&gt;</li>');
    expect(html).toContain('<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;</code></pre>');
  });

  it('when the subset is used, then paragraphs, lists, inline code, bold and fences render', () => {
    const source = 'Send **60** requests\nthrough `least_conn`.\n\n- one\n  continued\n* two\n1. first\n2. second\n\n```sh\nnpm run demo\n  indented\n```\nAfter.';
    expect(markdownishToHtml(source).split('\n')).toEqual([
      '<p>Send <strong>60</strong> requests through <code>least_conn</code>.</p>',
      '<ul><li>one continued</li><li>two</li></ul>',
      '<ol><li>first</li><li>second</li></ol>',
      '<pre><code>npm run demo\n  indented</code></pre>',
      '<p>After.</p>',
    ].join('\n').split('\n'));
  });

  it('when code contains bold markers, then they stay literal; single stars emphasise', () => {
    expect(inlineHtml('`**not bold**` but **bold**')).toBe('<code>**not bold**</code> but <strong>bold</strong>');
    expect(inlineHtml('choose *stateless (least_conn)*, 2 * 3 = 6')).toBe('choose <em>stateless (least_conn)</em>, 2 * 3 = 6');
    expect(inlineHtml('*<b>*')).toBe('<em>&lt;b&gt;</em>');
  });
});

describe('palette', () => {
  it('when replicas are known, then each keeps its Okabe–Ito colour and later ones follow in order', () => {
    const colours = new ReplicaColours();
    colours.setKnown(['app-1', 'app-2', 'app-3']);
    expect(['app-1', 'app-2', 'app-3'].map((r) => colours.colour(r))).toEqual(OKABE_ITO.slice(0, 3));
    expect(colours.colour('app-9')).toBe(OKABE_ITO[3]);
    colours.setKnown(['app-1', 'app-2', 'app-3', 'app-4']);
    expect(colours.known()).toEqual(['app-1', 'app-2', 'app-3', 'app-4', 'app-9']);
    expect(colours.colour(null)).toBe(NO_REPLICA_COLOUR);
  });

  it('when a label sits on a colour, then its text colour is the readable one', () => {
    expect(textOn('#F0E442')).toBe('#000000'); // yellow
    expect(textOn('#0072B2')).toBe('#ffffff'); // blue
    expect(textOn('#000000')).toBe('#ffffff');
    expect(textOn('#009E73')).toBe('#000000'); // green: black 6.1:1, white only 3.3:1
    expect(textOn('#D55E00')).toBe('#000000'); // vermillion: black 5.2:1, white 4.0:1
    expect(shortLabel('app-12')).toBe('12');
    expect(shortLabel('statelab_app.3.xyz')).toBe('statelab_app.3.xyz');
  });
});

describe('stream recorder', () => {
  it('when a reconnect repeats recent events, then each is drawn once; a restarted controller reusing seq is not lost', () => {
    const recorder = new StreamRecorder();
    expect(recorder.receive(request(1, 1000))).toHaveLength(1);
    expect(recorder.receive(request(1, 1000))).toEqual([]);
    expect(recorder.receive(request(1, 9000))).toHaveLength(1);
    const seen = new SeenEvents(2);
    expect([seen.first(request(1, 1)), seen.first(request(2, 2)), seen.first(request(3, 3)), seen.first(request(1, 1))]).toEqual([true, true, true, true]);
  });

  it('when paused, then events wait in a backlog and come out in order on resume', () => {
    const recorder = new StreamRecorder();
    recorder.receive(request(1, 1000));
    recorder.pause();
    expect(recorder.receive(request(2, 1100))).toEqual([]);
    expect(recorder.receive(request(3, 1200))).toEqual([]);
    expect(recorder.waiting).toBe(2);
    expect(recorder.drawn().map((e) => e.seq)).toEqual([1]);
    expect(recorder.resume().map((e) => e.seq)).toEqual([2, 3]);
    expect(recorder.mode).toBe('live');
    expect(recorder.drawn().map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('when replayed, then the recorded gaps are kept, long pauses shortened, and live events wait', () => {
    const recorder = new StreamRecorder();
    for (const [seq, at] of [[1, 1000], [2, 1050], [3, 1300], [4, 60_000]] as const) recorder.receive(request(seq, at, { purpose: seq === 2 ? 'race' : 'traffic' }));
    const steps = recorder.replay((e) => e.purpose === 'traffic');
    expect(steps.map((s) => [s.event.seq, s.delayMs])).toEqual([[1, 0], [3, 300], [4, 1300]]);
    expect(recorder.receive(request(5, 61_000))).toEqual([]);
    expect(recorder.resume().map((e) => e.seq)).toEqual([5]);
    expect(replaySchedule([request(2, 2000), request(1, 1000)], 4).map((s) => [s.event.seq, s.delayMs])).toEqual([[1, 0], [2, 250]]);
  });

  it('when more than its capacity arrives, then the oldest are forgotten', () => {
    const recorder = new StreamRecorder(3);
    for (let i = 1; i <= 5; i += 1) recorder.receive(request(i, i));
    expect(recorder.drawn().map((e) => e.seq)).toEqual([3, 4, 5]);
  });
});

describe('metric columns for uPlot', () => {
  it('when series have different timestamps, then the x axis is their union and missing points are null', () => {
    const columns = alignSeries([
      { label: 'app-1', points: [[10, 1], [20, 2], [30, 3]] },
      { label: 'app-2', points: [[20, 5], [40, Number.NaN]] },
    ]);
    expect(columns).toEqual([[10, 20, 30, 40], [1, 2, 3, null], [null, 5, null, null]]);
    expect(alignSeries([])).toEqual([[]]);
  });
});

describe('worksheet progress', () => {
  function memoryStorage(): KeyValueStore & { data: Map<string, string> } {
    const data = new Map<string, string>();
    return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
  }
  const report = (passed: Record<string, boolean>): LabCheckReport => ({
    lab: 1, title: 't', passed: Object.values(passed).every(Boolean), checkedAt: 1, durationMs: 1,
    steps: Object.entries(passed).map(([step, ok]) => ({ step, title: step, passed: ok, parts: [] })),
  });

  it('when checks, hints and solutions happen, then they are kept per worksheet and reset clears only that one', () => {
    const storage = memoryStorage();
    const store = new ProgressStore(storage);
    store.recordCheck('one', report({ a: true, b: false }));
    store.recordCheck('one', report({ b: true }));
    expect(store.revealHint('one', 'a', 2)).toBe(1);
    expect(store.revealHint('one', 'a', 2)).toBe(2);
    expect(store.revealHint('one', 'a', 2)).toBe(2);
    store.revealSolution('one', 'b');
    store.revealSolution('one', 'b');
    store.recordCheck('two', report({ x: true }));
    expect(new ProgressStore(storage).load('one')).toEqual({ checked: { a: true, b: true }, hints: { a: 2 }, solutions: ['b'] });
    store.reset('one');
    expect(store.load('one')).toEqual({ checked: {}, hints: {}, solutions: [] });
    expect(store.load('two').checked).toEqual({ x: true });
  });

  it('when the stored value is not ours, then progress starts empty; the open worksheet is remembered', () => {
    const storage = memoryStorage();
    storage.setItem('statelab.worksheet.one', '{not json');
    const store = new ProgressStore(storage);
    expect(store.load('one')).toEqual({ checked: {}, hints: {}, solutions: [] });
    expect(store.current()).toBeNull();
    store.setCurrent(4);
    expect(store.current()).toBe(4);
  });
});
