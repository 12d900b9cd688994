// Rendering Kubernetes manifests offline: `kubectl kustomize` (the pinned kubectl,
// scripts/lib/kubectl.mjs) and YAML into objects. Shared by the validator (scripts/validate-k8s.mjs)
// and the Kubernetes tests.
import { execFileSync } from 'node:child_process';
import { loadAll } from 'js-yaml';

/** Every document of a multi-document YAML text, empty ones left out. */
export function parseDocuments(text) {
  return loadAll(text).filter((doc) => doc !== null && doc !== undefined);
}

/** `kubectl kustomize DIR` as a list of objects. */
export function renderKustomization(kubectl, dir) {
  const out = execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 32 << 20 });
  return parseDocuments(out);
}
