// Process control of a running native cluster: the launcher's one implementation
// (scripts/lib/cluster-control.mjs — the code behind `npm run cluster -- stop app-2`), so a lab
// button, a chaos fault and a terminal command can never disagree about what "stop" means.
import { act, inspectCluster, rollingRestart, withClusterLock } from '../scripts/lib/cluster-control.mjs';

export { ACTIONS, ControlError, allowedActions, kindOf } from '../scripts/lib/cluster-control.mjs';
export type { ComponentKind, ComponentState, ControlAction, ControlErrorCode } from '../scripts/lib/cluster-control.mjs';

/** What a caller that acts on the cluster depends on; tests may pass their own. */
export interface ClusterControl {
  inspectCluster: typeof inspectCluster;
  act: typeof act;
  rollingRestart: typeof rollingRestart;
  withClusterLock: typeof withClusterLock;
}

export const clusterControl: ClusterControl = { inspectCluster, act, rollingRestart, withClusterLock };
