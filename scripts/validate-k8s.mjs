#!/usr/bin/env node
// Validates Kubernetes manifests offline, as strictly as an API server would reject them:
//   node scripts/validate-k8s.mjs                  every overlay under k8s/overlays/
//   node scripts/validate-k8s.mjs DIR|FILE …        kustomize directories (rendered with the pinned
//                                                   kubectl's `kustomize`, scripts/lib/kubectl.mjs)
//                                                   or rendered YAML files
// Per object: (1) apiVersion/kind served by current Kubernetes — removed versions are named with
// their replacement; (2) types, enums and required fields, with the precompiled JSON-schema
// validators of `kubernetes-models`; (3) no unknown field anywhere, by walking the OpenAPI
// attribute maps that `@kubernetes/client-node` generates (kubernetes-models accepts unknown
// fields, and so does `kubectl kustomize`; the API server's strict field validation does not).
// Prints one line per problem and exits 1 when there is any; 2 when kubectl cannot be prepared.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { kubectlBinary } from './lib/kubectl.mjs';
import { parseDocuments, renderKustomization } from './lib/kubernetes.mjs';
import { REPO_ROOT } from './lib/topology.mjs';

/** apiVersion/kind pairs Kubernetes has stopped serving, with the release and the replacement. */
const REMOVED = {
  'extensions/v1beta1': ['1.16/1.22', 'apps/v1 (workloads) or networking.k8s.io/v1 (Ingress, NetworkPolicy)'],
  'apps/v1beta1': ['1.16', 'apps/v1'],
  'apps/v1beta2': ['1.16', 'apps/v1'],
  'networking.k8s.io/v1beta1': ['1.22', 'networking.k8s.io/v1'],
  'batch/v1beta1': ['1.25', 'batch/v1'],
  'policy/v1beta1': ['1.25', 'policy/v1'],
  'autoscaling/v2beta1': ['1.25', 'autoscaling/v2'],
  'autoscaling/v2beta2': ['1.26', 'autoscaling/v2'],
  'rbac.authorization.k8s.io/v1beta1': ['1.22', 'rbac.authorization.k8s.io/v1'],
  'rbac.authorization.k8s.io/v1alpha1': ['1.22', 'rbac.authorization.k8s.io/v1'],
  'storage.k8s.io/v1beta1': ['1.22/1.27', 'storage.k8s.io/v1'],
  'discovery.k8s.io/v1beta1': ['1.25', 'discovery.k8s.io/v1'],
  'flowcontrol.apiserver.k8s.io/v1beta2': ['1.29', 'flowcontrol.apiserver.k8s.io/v1'],
  'flowcontrol.apiserver.k8s.io/v1beta3': ['1.32', 'flowcontrol.apiserver.k8s.io/v1'],
};

const CLIENT_MODELS = join(REPO_ROOT, 'node_modules', '@kubernetes', 'client-node', 'dist', 'gen', 'models');
const K8S_MODELS = join(REPO_ROOT, 'node_modules', 'kubernetes-models');

const modelCache = new Map();

/** The client-node attribute map of a model (V1Deployment, …), or undefined when none exists. */
async function attributeMap(typeName) {
  if (!modelCache.has(typeName)) {
    const file = join(CLIENT_MODELS, `${typeName}.js`);
    let map;
    if (existsSync(file)) {
      const module = await import(pathToFileURL(file).href);
      map = module[typeName]?.attributeTypeMap;
    }
    modelCache.set(typeName, map);
  }
  return modelCache.get(typeName);
}

const capitalize = (s) => s.charAt(0).toUpperCase() + s.slice(1);

/** client-node names a top-level model Version+Kind, prefixed with the group on a clash. */
async function topLevelModel(group, version, kind) {
  const groupPrefix = capitalize((group || 'core').split('.')[0]);
  for (const name of [`${capitalize(version)}${kind}`, `${groupPrefix}${capitalize(version)}${kind}`]) {
    const map = await attributeMap(name);
    if (map?.some((a) => a.baseName === 'kind')) return name;
  }
  return undefined;
}

/** Walks `value` against client-node's model `type`; pushes one message per unknown field. */
async function walk(value, type, path, problems) {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) for (const [i, item] of value.entries()) await walk(item, array[1], `${path}/${i}`, problems);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === 'object') for (const [k, v] of Object.entries(value)) await walk(v, map[1], `${path}/${k}`, problems);
    return;
  }
  const attributes = await attributeMap(type);
  if (!attributes || typeof value !== 'object' || Array.isArray(value)) return; // primitives: kubernetes-models checks them
  for (const [key, child] of Object.entries(value)) {
    const attribute = attributes.find((a) => a.baseName === key);
    if (!attribute) {
      const known = attributes.map((a) => a.baseName);
      const hint = known.find((k) => k.toLowerCase() === key.toLowerCase());
      problems.push(`${path}/${key}: unknown field${hint ? ` (did you mean "${hint}"?)` : ''} in ${type}`);
      continue;
    }
    await walk(child, attribute.type, `${path}/${key}`, problems);
  }
}

function describe(obj) {
  return `${obj?.kind ?? '<no kind>'}/${obj?.metadata?.name ?? '<no name>'}`;
}

/** Every problem of one object, as strings; [] when it is valid. */
export async function validateObject(obj) {
  if (typeof obj !== 'object' || Array.isArray(obj)) return ['not a YAML mapping'];
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return ['apiVersion and kind are required strings'];
  if (REMOVED[apiVersion]) {
    const [release, replacement] = REMOVED[apiVersion];
    return [`apiVersion ${apiVersion} is no longer served (removed in Kubernetes ${release}); use ${replacement}`];
  }
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const modelFile = join(K8S_MODELS, group || version, group ? version : '', `${kind}.js`);
  if (!/^[A-Za-z0-9]+$/.test(kind) || !existsSync(modelFile)) return [`unknown apiVersion/kind ${apiVersion} ${kind}`];
  const problems = [];
  const module = await import(pathToFileURL(modelFile).href);
  try {
    new module[kind](obj).validate();
  } catch (err) {
    // kubernetes-models reports ajv errors as "data/spec/replicas must be integer, …".
    for (const line of String(err.message).split(/,\s*(?=data\b)|\n/)) problems.push(line.replace(/^data/, '').trim());
  }
  const model = await topLevelModel(group, version, kind);
  if (!model) return [...problems, `${apiVersion} ${kind} is not in the Kubernetes OpenAPI models (removed or misspelled?)`];
  await walk(obj, model, '', problems);
  return problems;
}

/** Validates a list of objects; returns "Kind/name: problem" lines. */
export async function validateObjects(objects) {
  const lines = [];
  for (const obj of objects) {
    for (const problem of await validateObject(obj)) lines.push(`${describe(obj)}: ${problem}`);
  }
  return lines;
}

async function main(args) {
  const targets = args.length > 0 ? args : readdirSync(join(REPO_ROOT, 'k8s', 'overlays')).map((d) => join('k8s', 'overlays', d));
  let kubectl;
  if (targets.some((t) => statSync(resolve(t)).isDirectory())) {
    try {
      kubectl = await kubectlBinary();
    } catch (err) {
      console.error(`validate-k8s: no kubectl to render with: ${err.message}`);
      return 2;
    }
  }
  let failed = 0;
  for (const target of targets) {
    const path = resolve(target);
    const name = relative(REPO_ROOT, path) || '.';
    let objects;
    try {
      objects = statSync(path).isDirectory() ? renderKustomization(kubectl, path) : parseDocuments(readFileSync(path, 'utf8'));
    } catch (err) {
      console.error(`✖ ${name}: cannot render/parse: ${String(err.stderr || err.message).trim()}`);
      failed++;
      continue;
    }
    const problems = await validateObjects(objects);
    if (problems.length === 0) {
      console.log(`✔ ${name}: ${objects.length} objects valid`);
    } else {
      failed++;
      for (const problem of problems) console.error(`✖ ${name}: ${problem}`);
    }
  }
  return failed === 0 ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
