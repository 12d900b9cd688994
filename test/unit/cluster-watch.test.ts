import pino from 'pino';
import { ClusterWatch } from '../../lab/cluster-watch';
import { EventHub } from '../../lab/event-hub';
import type { ClusterControl } from '../../cluster/control';
import type { ComponentState } from '../../lab/lab-types';

// A control whose inspection takes a while, as a real one does when readiness probes are slow:
// the state it reports is whatever the "cluster" was when the inspection began.
function slowControl() {
  let ready = true;
  const control = {
    async inspectCluster(): Promise<ComponentState[]> {
      const seen = ready;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return [{ name: 'app-1', kind: 'replica', state: seen ? 'running' : 'down', ready: seen } as ComponentState];
    },
  } as unknown as ClusterControl;
  return { control, kill: () => (ready = false) };
}

describe('ClusterWatch', () => {
  test('when a look is in flight from before an action, then refresh() after the action reports the state after it', async () => {
    const { control, kill } = slowControl();
    const watch = new ClusterWatch(control, '/unused', new EventHub(), pino({ level: 'silent' }), 10_000);
    const before = watch.refresh(); // the periodic look, started before the kill
    await new Promise((resolve) => setTimeout(resolve, 10)); // it has looked at the cluster already
    kill();
    const after = await watch.refresh();
    expect((await before)[0]?.ready).toBe(true);
    expect(after[0]).toMatchObject({ name: 'app-1', ready: false });
    expect(watch.components()[0]?.ready).toBe(false);
  });
});
