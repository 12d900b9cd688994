// Renders nginx and Prometheus configuration for one mode from the one replica list
// (topology.mjs). Configuration files are data: rendered here, never copied and hand-edited.
//   native  — the launcher's cluster: replicas on 127.0.0.1:<APP_BASE_PORT+i>, paths under
//             the cluster dir.
//   compose — docker-compose.yml: replicas are services app-1..app-N on port 3000.
//   swarm   — docker-compose.scale.yml: one service `app` with N tasks, found through
//             Docker DNS (`tasks.app`).
//   kubernetes — k8s/ (kustomize): the app pods behind a headless Service, re-resolved by nginx
//             (`resolve`, nginx >= 1.27.3) and discovered by Prometheus through the Kubernetes API.
// Compose and Swarm renders are committed, so they depend on nothing but REPLICAS: no
// timestamps, no absolute paths, no host ports.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { REPO_ROOT } from './topology.mjs';

export const MODES = ['native', 'compose', 'swarm', 'kubernetes'];

/** Ports inside the containers (compose and Swarm); the host side is the compose file's business. */
export const CONTAINER_PORTS = {
  app: 3000,
  nginx: 8080,
  nginxStatus: 8089,
  prometheus: 9090,
  redisExporter: 9121,
  postgresExporter: 9187,
  nginxExporter: 9113,
};

/** Compose/Swarm service names the renders refer to. */
export const SERVICE_NAMES = {
  swarmApp: 'app',
  redisExporter: 'redis-exporter',
  postgresExporter: 'postgres-exporter',
  nginxExporter: 'nginx-exporter',
};

/**
 * Kubernetes names the renders refer to; k8s/ must use the same ones (a unit test checks).
 * nginx's own resolver ignores resolv.conf search domains, so names are fully qualified.
 */
export const KUBERNETES = {
  namespace: 'statelab',
  headlessService: 'statelab-app-headless',
  clusterDomain: 'cluster.local',
  dnsService: 'kube-dns.kube-system',
};
const KUBERNETES_APP_HOST = `${KUBERNETES.headlessService}.${KUBERNETES.namespace}.svc.${KUBERNETES.clusterDomain}`;

const TEMPLATE_PATH = join(REPO_ROOT, 'nginx', 'nginx.conf.template');

/**
 * The one error catalogue the replicas use (src/errors/app-error.ts imports the same file): every
 * code with its status and message, and under `nginx` which answers nginx gives itself.
 */
const ERROR_CATALOGUE_PATH = join(REPO_ROOT, 'src', 'errors', 'error-catalogue.json');

const SERVER_OPTIONS = 'max_fails=1 fail_timeout=5s';

function nginxServers(topology, mode) {
  if (mode === 'native') {
    return topology.replicas.map((r) => `        server ${r.host}:${r.port} ${SERVER_OPTIONS};  # ${r.id}`);
  }
  if (mode === 'compose') {
    return topology.replicas.map((r) => `        server ${r.id}:${CONTAINER_PORTS.app} ${SERVER_OPTIONS};`);
  }
  if (mode === 'kubernetes') {
    return [`        server ${KUBERNETES_APP_HOST}:${CONTAINER_PORTS.app} resolve ${SERVER_OPTIONS};`];
  }
  return [`        server tasks.${SERVICE_NAMES.swarmApp}:${CONTAINER_PORTS.app} ${SERVER_OPTIONS};`];
}

// Why the upstreams look the way they do in each mode (rendered into the file itself).
const DISCOVERY_NOTES = {
  native: '    # native: one server per replica from the launcher\'s topology (127.0.0.1:APP_BASE_PORT+i).',
  compose: '    # compose: one server per replica service (app-1..app-N), resolved by Docker DNS at start.',
  swarm: [
    '    # Swarm: `tasks.app` resolves to one A record per running task, so each upstream gets one',
    '    # server per replica and least_conn / ip_hash choose between real replicas. The plain',
    '    # service name `app` would resolve to a single virtual IP whose IPVS balancer round-robins',
    '    # behind nginx\'s back and would erase the ip_hash lesson. Open-source nginx 1.22 resolves',
    '    # upstream names once, at start or reload: after `docker service scale statelab_app=N`, run',
    '    # `docker service update --force statelab_nginx` so nginx sees the new tasks.',
  ].join('\n'),
  kubernetes: [
    '    # Kubernetes: the headless Service answers with one A record per READY app pod, so each',
    '    # upstream gets one server per pod and least_conn / ip_hash choose between real pods. A',
    '    # normal Service would be one ClusterIP that kube-proxy balances behind nginx\'s back',
    '    # (random or round robin per connection) and would erase both lessons. `resolve` (open-source',
    '    # nginx >= 1.27.3, needs the `zone` below) re-resolves the name every `valid` seconds, so',
    '    # scaled, rescheduled or unready pods enter and leave the upstreams without a reload.',
    '    # nginx\'s resolver ignores resolv.conf search domains: names must be fully qualified.',
    `    resolver ${KUBERNETES.dnsService}.svc.${KUBERNETES.clusterDomain} valid=5s ipv6=off;`,
    '    resolver_timeout 2s;',
  ].join('\n'),
};

function headerBlock(policy) {
  const lines = [];
  if (policy) {
    lines.push(`add_header X-LB-Policy ${policy} always;`, 'add_header X-Upstream $upstream_addr always;');
  }
  lines.push(
    'add_header X-Request-Id $statelab_request_id always;',
    'add_header X-Content-Type-Options nosniff always;',
    'add_header X-Frame-Options DENY always;',
    'add_header Referrer-Policy no-referrer always;',
  );
  return lines.map((l) => `            ${l}`).join('\n');
}

/**
 * The lines of a location that answers `page` ({code, message?, headers?} from the catalogue's
 * `nginx` section) as the API's JSON error: the status and, unless the page names its own, the
 * message are the code's in the catalogue.
 */
function errorPage(catalogue, page) {
  const entry = catalogue.codes[page.code];
  if (!entry) throw new Error(`error code ${page.code} is not in ${ERROR_CATALOGUE_PATH}`);
  const body = JSON.stringify({ error: { code: page.code, message: page.message ?? entry.message } });
  // The body goes into a single-quoted nginx string, where a backslash or quote would be
  // unescaped and `$` would start a variable: refuse rather than render a different answer.
  if (/['\\$]/.test(body)) throw new Error(`error ${page.code}: nginx cannot return ${body} as written`);
  const headers = Object.entries(page.headers ?? {}).map(([name, value]) => `            add_header ${name} ${value} always;`);
  return ['            default_type application/json;', headerBlock(undefined), ...headers, `            return ${entry.status} '${body}';`].join('\n');
}

function namedPage(catalogue, name) {
  const page = catalogue.nginx.pages[name];
  if (!page) throw new Error(`no nginx page "${name}" in ${ERROR_CATALOGUE_PATH}`);
  return errorPage(catalogue, page);
}

const errorUri = (code) => `/_statelab_errors/${code}`;

/** `error_page` for every status nginx answers itself, and the internal location behind each. */
function errorPages(catalogue) {
  const statuses = Object.entries(catalogue.nginx.statuses);
  const locations = new Map(statuses.map(([, page]) => [page.code, page]));
  return {
    error_pages: statuses.map(([status, page]) => `        error_page ${status} = ${errorUri(page.code)};`).join('\n'),
    error_locations: [...locations]
      .map(([code, page]) => [`        location = ${errorUri(code)} {`, '            internal;', errorPage(catalogue, page), '        }'].join('\n'))
      .join('\n\n'),
  };
}

/**
 * /lab/api/: the lab controller's API and event stream. Natively it is a loopback process the
 * launcher starts; the container and Kubernetes renders have no controller yet, so the page
 * gets a clear JSON 503 instead of nginx's 404 page.
 */
function labLocation(topology, mode, catalogue) {
  if (mode !== 'native') {
    return ['        location /lab/api/ {', namedPage(catalogue, 'lab-not-in-containers'), '        }'].join('\n');
  }
  return [
    '        location /lab/api/ {',
    `            proxy_pass http://127.0.0.1:${topology.labPort};`,
    // proxy_set_header here replaces every inherited one, so the ones the lab needs are repeated.
    '            proxy_set_header Connection "";',
    // Host with its port: the controller compares Origin with it (same-origin POSTs only).
    '            proxy_set_header Host $http_host;',
    '            proxy_set_header X-Request-Id $statelab_request_id;',
    '            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    // Server-Sent Events: every event leaves at once, and an idle stream (heartbeats every 15 s) stays open.
    '            proxy_buffering off;',
    '            proxy_read_timeout 1h;',
    '            error_page 502 504 = @lab_unavailable;',
    headerBlock(undefined),
    '        }',
    '',
    '        location @lab_unavailable {',
    namedPage(catalogue, 'lab-not-running'),
    '        }',
  ].join('\n');
}

function nobodyUserDirective() {
  // Only meaningful when the master runs as root: its workers, which serve every request, then
  // run as nobody. A non-root launcher gets a fully non-root nginx and no directive at all.
  if (process.getuid?.() !== 0) return '# (not root: nginx runs entirely as the launching user)';
  let group = 'nogroup';
  try {
    const groups = readFileSync('/etc/group', 'utf8').split('\n');
    if (!groups.some((g) => g.startsWith('nogroup:')) && groups.some((g) => g.startsWith('nobody:'))) group = 'nobody';
  } catch {
    // keep the Debian default
  }
  return `user nobody ${group};`;
}

/** Values for every {{placeholder}} of the nginx template in `mode`. */
function nginxValues(topology, mode, { clusterDir = topology.clusterDir } = {}) {
  const native = mode === 'native';
  const { rps, burst } = topology.rateLimit;
  const catalogue = JSON.parse(readFileSync(ERROR_CATALOGUE_PATH, 'utf8'));
  const values = {
    mode_note: native
      ? `# mode: native (rendered for ${userInfo().username}; run as nginx -p ${clusterDir}/nginx -c <this file>)`
      : `# mode: ${mode}. Mount this file at /etc/nginx/nginx.conf and public/ at /usr/share/nginx/html.\n` +
        '# It needs no root: temp files and pid live in /tmp (works with `user: "101:101"` too).',
    user_directive: native ? nobodyUserDirective() : '',
    pid_file: native ? join(clusterDir, 'nginx', 'nginx.pid') : '/tmp/nginx.pid',
    error_log: native ? join(clusterDir, 'logs', 'nginx-error.log') : '/dev/stderr',
    access_log: native ? join(clusterDir, 'logs', 'nginx-access.log') : '/dev/stdout',
    temp_dir: native ? join(clusterDir, 'nginx', 'tmp') : '/tmp/nginx',
    static_root: native ? join(REPO_ROOT, 'public') : '/usr/share/nginx/html',
    listen: native ? `0.0.0.0:${topology.nginxPort}` : String(CONTAINER_PORTS.nginx),
    status_listen: native ? `127.0.0.1:${topology.nginxStatusPort}` : String(CONTAINER_PORTS.nginxStatus),
    status_allow: native
      ? '        allow 127.0.0.1;'
      : ['127.0.0.1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((a) => `        allow ${a};`).join('\n'),
    rate_limit_zone:
      rps > 0
        ? `    limit_req_zone $binary_remote_addr zone=statelab_api:10m rate=${rps}r/s;`
        : '    # rate limiting disabled (NGINX_RATE_LIMIT_RPS=0)',
    limit_req: rps > 0 ? `            limit_req zone=statelab_api${burst > 0 ? ` burst=${burst} nodelay` : ''};` : '',
    stateless_servers: nginxServers(topology, mode).join('\n'),
    stateful_servers: nginxServers(topology, mode).join('\n'),
    roundrobin_servers: nginxServers(topology, mode).join('\n'),
    discovery_note: DISCOVERY_NOTES[mode],
    headers_least_conn: headerBlock('least_conn'),
    headers_ip_hash: headerBlock('ip_hash'),
    headers_round_robin: headerBlock('round_robin'),
    headers_static: headerBlock(undefined),
    lab_location: labLocation(topology, mode, catalogue),
    metrics_page: namedPage(catalogue, 'metrics'),
    ...errorPages(catalogue),
  };
  if (mode === 'kubernetes') {
    values.mode_note =
      '# mode: kubernetes. Mounted at /etc/nginx/nginx.conf from the nginx-config ConfigMap\n' +
      '# (k8s/components/balancer-nginx). It needs no root: temp files and pid live in /tmp.\n' +
      '# Upstreams reach the app pods through a headless Service and cluster DNS.';
  } else if (!native) {
    values.mode_note += '\n# Upstreams reach the replicas by service name through Docker DNS.';
  }
  return values;
}

/** Fills {{name}} placeholders; an unknown or unused placeholder is a bug, so it throws. */
export function fillTemplate(template, values) {
  const used = new Set();
  const out = template.replace(/\{\{(\w+)\}\}/g, (_, name) => {
    if (!(name in values)) throw new Error(`template placeholder {{${name}}} has no value`);
    used.add(name);
    return values[name];
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length) throw new Error(`values never used by the template: ${unused.join(', ')}`);
  // Blank placeholder lines (e.g. no limit_req) would leave whitespace-only lines behind.
  return out.replace(/^[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n');
}

export function renderNginx(topology, mode, options) {
  assertMode(mode);
  return fillTemplate(readFileSync(TEMPLATE_PATH, 'utf8'), nginxValues(topology, mode, options));
}

function yamlList(items, indent) {
  return items.map((i) => `${' '.repeat(indent)}- ${i}`).join('\n');
}

/** Prometheus configuration: every replica (job statelab), the exporters, Prometheus itself. */
export function renderPrometheus(topology, mode) {
  assertMode(mode);
  const native = mode === 'native';
  const alertsFile = join(REPO_ROOT, 'prometheus', 'alerts.yml');
  const lines = [
    `# Rendered by scripts/render-config.mjs (${mode} mode) from scripts/lib/topology.mjs; do not edit.`,
    'global:',
    '  # Short intervals so a class sees a stopped replica or a load test within seconds.',
    '  scrape_interval: 5s',
    '  evaluation_interval: 5s',
    '  external_labels:',
    `    cluster: statelab-${mode}`,
  ];
  if (!native) {
    lines.push('rule_files:', '  - /etc/prometheus/alerts.yml');
  } else if (existsSync(alertsFile)) {
    lines.push('rule_files:', `  - ${JSON.stringify(alertsFile)}`);
  }
  lines.push(
    'scrape_configs:',
    '  - job_name: statelab',
    '    # Every app series already carries replica="app-N" (INSTANCE_ID); honor_labels keeps it.',
    '    honor_labels: true',
  );
  if (mode === 'kubernetes') {
    // Discovery through the Kubernetes API (the Role in k8s/base/prometheus lets it list pods):
    // every ready or unready app pod is a target, so a failing pod shows as up == 0.
    lines.push(
      '    # One target per app pod, found through the Kubernetes API; replica = pod name (= INSTANCE_ID).',
      ...kubernetesPodDiscovery('app', 'http'),
      '      - source_labels: [__meta_kubernetes_pod_name]',
      '        target_label: replica',
    );
  } else if (mode === 'swarm') {
    lines.push(
      '    # One target per running task, re-resolved every 15 s, so scaling needs no reload.',
      '    dns_sd_configs:',
      `      - names: [tasks.${SERVICE_NAMES.swarmApp}]`,
      '        type: A',
      `        port: ${CONTAINER_PORTS.app}`,
      '        refresh_interval: 15s',
    );
  } else {
    lines.push('    # The target label gives `up` the same replica label, so ReplicaDown can name it.', '    static_configs:');
    for (const r of topology.replicas) {
      const target = native ? `${r.host}:${r.port}` : `${r.id}:${CONTAINER_PORTS.app}`;
      lines.push(`      - targets: ["${target}"]`, `        labels: { replica: ${r.id} }`);
    }
  }
  if (mode === 'kubernetes') {
    // Exporters run as sidecars named `metrics` in the Redis, PostgreSQL and nginx pods.
    for (const job of ['redis', 'postgres', 'nginx']) {
      lines.push(`  - job_name: ${job}`, ...kubernetesPodDiscovery(job, 'metrics'));
    }
    lines.push('  - job_name: prometheus', '    static_configs:', yamlList([`targets: ["localhost:${CONTAINER_PORTS.prometheus}"]`], 6));
    return `${lines.join('\n')}\n`;
  }
  const exporters = native
    ? [
        ['redis', `127.0.0.1:${topology.exporters.redis}`],
        ['postgres', `127.0.0.1:${topology.exporters.postgres}`],
        ['nginx', `127.0.0.1:${topology.exporters.nginx}`],
        ['prometheus', `127.0.0.1:${topology.prometheusPort}`],
      ]
    : [
        ['redis', `${SERVICE_NAMES.redisExporter}:${CONTAINER_PORTS.redisExporter}`],
        ['postgres', `${SERVICE_NAMES.postgresExporter}:${CONTAINER_PORTS.postgresExporter}`],
        ['nginx', `${SERVICE_NAMES.nginxExporter}:${CONTAINER_PORTS.nginxExporter}`],
        ['prometheus', `localhost:${CONTAINER_PORTS.prometheus}`],
      ];
  for (const [job, target] of exporters) {
    lines.push(`  - job_name: ${job}`, '    static_configs:', yamlList([`targets: ["${target}"]`], 6));
  }
  return `${lines.join('\n')}\n`;
}

/** kubernetes_sd lines keeping the pods of one statelab component and their port named `port`. */
function kubernetesPodDiscovery(component, port) {
  return [
    '    kubernetes_sd_configs:',
    '      - role: pod',
    '        namespaces:',
    `          names: [${KUBERNETES.namespace}]`,
    '    relabel_configs:',
    '      - source_labels: [__meta_kubernetes_pod_label_app_kubernetes_io_component, __meta_kubernetes_pod_container_port_name]',
    `        regex: ${component};${port}`,
    '        action: keep',
  ];
}

function assertMode(mode) {
  if (!MODES.includes(mode)) throw new Error(`unknown mode "${mode}"; use one of: ${MODES.join(', ')}`);
}
