import { baseline } from './baseline';
import { counterAtomic } from './counter-atomic';
import { counterNaive } from './counter-naive';
import { localSessionRead } from './local-session-read';
import type { Scenario } from './scenario';
import { statefulSessionRead } from './stateful-session-read';
import { statefulSessionWrite } from './stateful-session-write';
import { statelessCalculate } from './stateless-calculate';
import { statelessHash } from './stateless-hash';
import { statelessInfo } from './stateless-info';
import { statelessInfoDirect } from './stateless-info-direct';
import { statelessProducts } from './stateless-products';
import { statelessProductsCached } from './stateless-products-cached';

/** Every scenario, in the order a run executes them. */
export const SCENARIOS: readonly Scenario[] = [
  baseline,
  statelessInfo,
  statelessInfoDirect,
  statelessCalculate,
  statelessHash,
  statelessProducts,
  statelessProductsCached,
  statefulSessionRead,
  statefulSessionWrite,
  counterNaive,
  counterAtomic,
  localSessionRead,
];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

export type { Scenario, LoadParameters, ScenarioTarget } from './scenario';
