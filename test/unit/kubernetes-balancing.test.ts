// The balancing lesson on Kubernetes: stateless requests balanced per pod by least connections
// (or the closest the controller has), stateful requests sticking per client, /rr/ with no
// affinity. Checked in what each overlay renders, offline (no cluster can run here).
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/dashboard-queries';
import { requireCommand } from '../../scripts/lib/system-packages.mjs';
import { all, find, overlaysDir, podTemplates, render, selects, type K8sObject } from '../support/kubernetes';

const COMMITTED = {
  nginx: 'k8s/components/balancer-nginx/nginx.conf',
  prometheus: 'k8s/base/prometheus/prometheus.yml',
  alerts: 'k8s/base/prometheus/alerts.yml',
};
const REGENERATE =
  `node scripts/render-config.mjs kubernetes . --nginx ${COMMITTED.nginx} --prometheus ${COMMITTED.prometheus}` +
  ` && cp prometheus/alerts.yml ${COMMITTED.alerts}`;
const APP_LABELS = { 'app.kubernetes.io/name': 'statelab', 'app.kubernetes.io/component': 'app' };
const HEADLESS_HOST = 'statelab-app-headless.statelab.svc.cluster.local';

/** The body of `upstream NAME { … }` in an nginx config. */
function upstream(conf: string, name: string): string {
  const match = new RegExp(`upstream ${name} \\{([^}]*)\\}`).exec(conf);
  if (!match) throw new Error(`upstream ${name} not found`);
  return match[1]!;
}

describe('the kubernetes render of the one nginx template', () => {
  const committed = readFileSync(path.join(repoRoot, COMMITTED.nginx), 'utf8');

  it('when rendered again, then the committed k8s copies are identical', () => {
    const outdir = mkdtempSync(path.join(os.tmpdir(), 'statelab-k8s-render-'));
    try {
      execFileSync(process.execPath, ['scripts/render-config.mjs', 'kubernetes', outdir], { cwd: repoRoot, env: { PATH: process.env.PATH }, stdio: 'pipe' });
      const pairs: [string, string][] = [
        [path.join(outdir, 'nginx.conf'), COMMITTED.nginx],
        [path.join(outdir, 'prometheus.yml'), COMMITTED.prometheus],
        [path.join(repoRoot, 'prometheus/alerts.yml'), COMMITTED.alerts],
      ];
      for (const [fresh, onDisk] of pairs) {
        if (readFileSync(fresh, 'utf8') !== readFileSync(path.join(repoRoot, onDisk), 'utf8')) {
          throw new Error(`${onDisk} is out of date. Regenerate with:\n  ${REGENERATE}`);
        }
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('when read, then stateless is least_conn, stateful ip_hash and roundrobin plain, each over every pod of the headless Service', () => {
    expect(upstream(committed, 'stateless')).toMatch(/^\s*least_conn;$/m);
    expect(upstream(committed, 'stateful')).toMatch(/^\s*ip_hash;$/m);
    expect(upstream(committed, 'roundrobin')).not.toMatch(/least_conn|ip_hash|hash |random/);
    for (const name of ['stateless', 'stateful', 'roundrobin']) {
      const body = upstream(committed, name);
      // `resolve` re-resolves the name (one A record per ready pod); it needs a shared zone.
      expect(body).toMatch(new RegExp(`^\\s*server ${HEADLESS_HOST.replace(/\./g, '\\.')}:3000 resolve max_fails=1 fail_timeout=5s;$`, 'm'));
      expect(body).toMatch(/^\s*zone upstream_\w+ 64k;$/m);
    }
    expect(committed).toMatch(/^\s*resolver kube-dns\.kube-system\.svc\.cluster\.local valid=5s ipv6=off;$/m);
    for (const [location, target] of [
      ['/api/v1/stateless/', 'stateless'],
      ['/api/v1/stateful/', 'stateful'],
      ['/api/v1/local/', 'stateful'],
      ['/rr/', 'roundrobin/'],
    ]) {
      expect(committed).toMatch(new RegExp(`location ${location} \\{[^}]*proxy_pass http://${target};`));
    }
  });

  // Debian 12's nginx is 1.22: it predates `resolve` on upstream servers (1.27.3) and, without
  // it, resolves upstream names once at start, so `nginx -t` outside a cluster would fail on the
  // cluster DNS names. The honest test available here: check a variant that differs from the
  // committed render ONLY in those server/resolver lines (asserted line by line), with the
  // names replaced by 127.0.0.1 and `resolve` dropped. Every other directive — upstream
  // methods, zones, keepalive, locations, headers, error pages, the status server — is checked
  // by nginx itself. Where nginx >= 1.27.3 is installed, the parameter is accepted as is.
  it('when a variant differing only in the DNS lines is checked by the local nginx, then nginx -t accepts it', () => {
    const nginx = requireCommand('nginx');
    // `nginx -v` writes to stderr.
    const version = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(execFileSync('sh', ['-c', `${nginx} -v 2>&1`], { encoding: 'utf8' }));
    const [major, minor, patch] = (version ? version.slice(1).map(Number) : [0, 0, 0]) as [number, number, number];
    const supportsResolve = major > 1 || minor > 27 || (minor === 27 && patch >= 3);
    const variant = committed
      .replace(/^(\s*server )statelab-app-headless\.statelab\.svc\.cluster\.local(:3000)( resolve)?/gm, (_, pre, port, resolve) => `${pre}127.0.0.1${port}${supportsResolve ? resolve : ''}`)
      .replace(/^(\s*resolver )kube-dns\.kube-system\.svc\.cluster\.local/m, '$1127.0.0.1')
      .replace(/^pid \/tmp\/nginx\.pid;$/m, 'pid PREFIX/nginx.pid;')
      .replace(/\/tmp\/nginx\//g, 'PREFIX/tmp/');
    const original = committed.split('\n');
    const changed = variant.split('\n').map((line, i) => [line, original[i]] as const).filter(([a, b]) => a !== b);
    // Only the three upstream servers, the resolver, the pid file and the temp/cache paths differ.
    expect(changed.map(([, before]) => before!.trim().split(' ')[0])).toEqual(
      expect.arrayContaining(['server', 'resolver', 'pid']),
    );
    for (const [, before] of changed) {
      expect(before!).toMatch(/^\s*(server statelab-app-headless|resolver kube-dns|pid \/tmp\/nginx\.pid|((client_body|proxy|fastcgi|uwsgi|scgi)_temp_path|proxy_cache_path)\s+\/tmp\/nginx\/)/);
    }
    expect(changed.filter(([, before]) => /^\s*server /.test(before!))).toHaveLength(3);

    const dir = mkdtempSync(path.join(os.tmpdir(), 'statelab-k8s-nginx-'));
    try {
      mkdirSync(path.join(dir, 'tmp'));
      const conf = path.join(dir, 'nginx.conf');
      writeFileSync(conf, variant.replaceAll('PREFIX', dir));
      // The render logs to /dev/stdout and /dev/stderr, which nginx cannot open when they are
      // Node's pipes (socket pairs): give it a real file for both.
      const log = path.join(dir, 'nginx-t.log');
      const fd = openSync(log, 'w');
      const result = spawnSync(nginx, ['-t', '-q', '-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')], { stdio: ['ignore', fd, fd] });
      closeSync(fd);
      expect({ status: result.status, output: readFileSync(log, 'utf8') }).toEqual({ status: 0, output: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('balancer-nginx overlays (local, cluster)', () => {
  it.each([
    ['local', 'NodePort'],
    ['cluster', 'LoadBalancer'],
  ])('when %s is rendered, then nginx runs the committed render over a headless Service of the app pods, keeping client addresses', (overlay, type) => {
    const objects = render(path.join(overlaysDir, overlay));
    const headless = find(objects, 'Service', 'statelab-app-headless');
    // The FQDN nginx resolves is <service>.<namespace>.svc.cluster.local.
    expect(`${headless.metadata.name}.${headless.metadata.namespace}.svc.cluster.local`).toBe(HEADLESS_HOST);
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.publishNotReadyAddresses).toBeFalsy(); // unready pods leave the DNS answer
    expect(headless.spec.selector).toEqual(APP_LABELS);
    expect(headless.spec.ports).toEqual([{ name: 'http', port: 3000, targetPort: 'http' }]);
    const app = find(objects, 'Deployment', 'statelab-app');
    expect(app.spec.template.spec.containers[0].ports).toContainEqual({ name: 'http', containerPort: 3000 });

    const nginx = find(objects, 'Deployment', 'nginx');
    const container = nginx.spec.template.spec.containers.find((c: K8sObject) => c.name === 'nginx');
    const [, major, minor, patch] = /^nginx:(\d+)\.(\d+)(?:\.(\d+))?-/.exec(container.image)!.map(Number) as number[];
    expect(major! > 1 || minor! > 27 || (minor === 27 && (patch ?? 0) >= 3)).toBe(true); // upstream `resolve`
    const mount = container.volumeMounts.find((m: K8sObject) => m.mountPath === '/etc/nginx/nginx.conf');
    const volume = nginx.spec.template.spec.volumes.find((v: K8sObject) => v.name === mount.name);
    const configMap = find(objects, 'ConfigMap', volume.configMap.name);
    expect(configMap.data[mount.subPath]).toBe(readFileSync(path.join(repoRoot, COMMITTED.nginx), 'utf8'));
    expect(container.ports).toContainEqual({ name: 'http', containerPort: 8080 });
    expect(configMap.data['nginx.conf']).toMatch(/^\s*listen 8080;$/m);

    const entrance = find(objects, 'Service', 'statelab');
    expect(entrance.spec.type).toBe(type);
    // Cluster would SNAT clients to a node address and ip_hash would see one client.
    expect(entrance.spec.externalTrafficPolicy).toBe('Local');
    expect(selects(entrance.spec.selector, nginx.spec.template.metadata.labels)).toBe(true);
    // No other way in that would bypass the balancer: no Ingress, no other non-headless app Service.
    expect(all(objects, 'Ingress')).toEqual([]);
    const appServices = all(objects, 'Service').filter((s) => selects(s.spec.selector, app.spec.template.metadata.labels));
    expect(appServices.map((s) => s.metadata.name)).toEqual(['statelab-app-headless']);
  });
});

// Annotation values are plain strings to every schema: their spelling is checked here.
const INGRESS_NGINX_ANNOTATIONS = new Set([
  'nginx.ingress.kubernetes.io/load-balance',
  'nginx.ingress.kubernetes.io/affinity',
  'nginx.ingress.kubernetes.io/affinity-mode',
  'nginx.ingress.kubernetes.io/session-cookie-name',
  'nginx.ingress.kubernetes.io/session-cookie-max-age',
  'nginx.ingress.kubernetes.io/session-cookie-path',
  'nginx.ingress.kubernetes.io/use-regex',
  'nginx.ingress.kubernetes.io/rewrite-target',
  'nginx.ingress.kubernetes.io/upstream-hash-by',
]);
const AFFINITY = ['affinity', 'affinity-mode', 'session-cookie-name', 'upstream-hash-by'].map((a) => `nginx.ingress.kubernetes.io/${a}`);

describe('balancer-ingress-nginx overlay (cluster-ingress-nginx)', () => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = render(path.join(overlaysDir, 'cluster-ingress-nginx'));
  });

  /** The Ingress and Service a request path is routed to (longest matching path wins). */
  function route(requestPath: string): { ingress: K8sObject; service: string } {
    const candidates = all(objects, 'Ingress').flatMap((ingress) =>
      ingress.spec.rules.flatMap((rule: K8sObject) =>
        rule.http.paths.map((p: K8sObject) => ({ ingress, path: p.path as string, type: p.pathType as string, service: p.backend.service.name as string })),
      ),
    );
    const matches = candidates.filter((c) =>
      c.type === 'Exact' ? requestPath === c.path : c.type === 'Prefix' ? requestPath === c.path || requestPath.startsWith(`${c.path}/`) : new RegExp(`^${c.path}`).test(requestPath),
    );
    matches.sort((a, b) => b.path.length - a.path.length);
    if (!matches[0]) throw new Error(`no Ingress path matches ${requestPath}`);
    return matches[0];
  }

  it('when a request path is routed, then it reaches the Service of its routing class', () => {
    expect(route('/api/v1/stateless/info').service).toBe('statelab-stateless');
    expect(route('/api/v1/stateless/products').service).toBe('statelab-stateless');
    expect(route('/health').service).toBe('statelab-stateless');
    expect(route('/ready').service).toBe('statelab-stateless');
    expect(route('/api/v1/stateful/sessions/current').service).toBe('statelab-stateful');
    expect(route('/api/v1/local/sessions/current').service).toBe('statelab-stateful');
    expect(route('/rr/api/v1/stateful/sessions/current').service).toBe('statelab-roundrobin');
  });

  it('when the Ingresses are read, then stateful sticks per client by cookie, /rr/ and stateless have no affinity', () => {
    const stateful = route('/api/v1/stateful/sessions/current').ingress.metadata.annotations!;
    expect(stateful['nginx.ingress.kubernetes.io/affinity']).toBe('cookie');
    expect(stateful['nginx.ingress.kubernetes.io/affinity-mode']).toBe('persistent');
    expect(stateful['nginx.ingress.kubernetes.io/session-cookie-name']).toMatch(/^[A-Za-z0-9_-]+$/);
    const rr = route('/rr/api/v1/stateless/info').ingress.metadata.annotations!;
    const stateless = route('/api/v1/stateless/info').ingress.metadata.annotations!;
    for (const annotations of [rr, stateless]) for (const key of AFFINITY) expect(annotations[key]).toBeUndefined();
    expect(rr['nginx.ingress.kubernetes.io/load-balance']).toBe('round_robin');
    expect(rr['nginx.ingress.kubernetes.io/rewrite-target']).toBe('/$2');
    expect(route('/rr/api/v1/stateless/info').ingress.spec.rules[0].http.paths[0].path).toBe('/rr(/|$)(.*)');
    // ingress-nginx has no least-connections balancer; peak EWMA is its load-aware one.
    expect(stateless['nginx.ingress.kubernetes.io/load-balance']).toBe('ewma');
  });

  it('when annotations are read, then every ingress-nginx key is spelled as the controller documents it', () => {
    for (const ingress of all(objects, 'Ingress')) {
      expect(ingress.spec.ingressClassName).toBe('nginx');
      for (const key of Object.keys(ingress.metadata.annotations ?? {})) {
        if (key.startsWith('nginx.ingress.kubernetes.io/') || key.includes('ingress')) {
          expect({ ingress: ingress.metadata.name, key, known: INGRESS_NGINX_ANNOTATIONS.has(key) }).toEqual({ ingress: ingress.metadata.name, key, known: true });
        }
      }
    }
  });

  it('when Services are read, then each routing class has its own Service over all app pods, so stickiness cannot leak', () => {
    const backends = all(objects, 'Ingress').map((i) => new Set(i.spec.rules.flatMap((r: K8sObject) => r.http.paths.map((p: K8sObject) => p.backend.service.name))));
    const seen = new Map<string, number>();
    for (const set of backends) for (const name of set as Set<string>) seen.set(name, (seen.get(name) ?? 0) + 1);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    const app = find(objects, 'Deployment', 'statelab-app');
    for (const name of seen.keys()) {
      const service = find(objects, 'Service', name);
      expect(service.spec.selector).toEqual(APP_LABELS);
      expect(selects(service.spec.selector, app.spec.template.metadata.labels)).toBe(true);
    }
    // statelab's own nginx is absent in this variant.
    expect(objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'nginx')).toBeUndefined();
    expect(podTemplates(objects).map(([w]) => w.metadata.name).sort()).toEqual(['postgres', 'prometheus', 'redis', 'statelab-app', 'statelab-migrate']);
  });
});
