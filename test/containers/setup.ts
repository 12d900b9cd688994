// Jest globalSetup for the container suite. Fails loudly, never skips: without a Docker engine
// and docker-compose there is nothing to test, and a green run must mean the containers ran.
import { writeFileSync } from 'node:fs';
import { IMAGE, docker, infoFile, lines, run, type SuiteInfo } from './docker';
import teardown from './teardown';
import { findFreePort as freePort } from '../../scripts/lib/private-services.mjs';

export default async function containersSetup(): Promise<void> {
  try {
    docker(['info', '--format', '{{.ServerVersion}}'], 30_000);
  } catch (error) {
    throw new Error(
      'The container suite needs a running Docker engine and none answers on this machine.\n' +
        'As root: apt-get install docker.io && dockerd >/var/log/dockerd.log 2>&1 & (then wait for `docker info`); ' +
        '.ci/run does this by itself.\n' + String(error),
    );
  }
  try {
    run('docker-compose', ['version'], {}, 30_000);
  } catch (error) {
    throw new Error(`The container suite needs docker-compose (apt-get install docker-compose).\n${String(error)}`);
  }
  // Leftovers of an interrupted earlier run would make "from a clean state" a lie.
  await teardown();

  const imageStatus: Record<string, string> = {};
  for (const line of lines(run(process.execPath, ['scripts/container-images.mjs', 'ensure'], {}, 900_000))) {
    const [how, name] = line.split(/\s+/);
    imageStatus[name!] = how!;
  }
  const log = (s: string): boolean => process.stdout.write(`containers: ${s}\n`);
  for (const [name, how] of Object.entries(imageStatus)) log(`${how.padEnd(9)} ${name}`);
  if (imageStatus['grafana/grafana-oss:11.1.0'] === 'missing') {
    log('Grafana is NOT started by this suite: its image cannot be pulled here and has no offline stand-in.');
  }

  // nginx serves public/ (compose: a bind mount; Swarm: configs), so the page bundle must exist.
  run(process.execPath, ['scripts/build-page.mjs'], {}, 120_000);

  const started = Date.now();
  docker(['build', '-q', '--force-rm', '--target', 'runtime', '-t', IMAGE, '.'], 900_000);
  const imageBuildSeconds = (Date.now() - started) / 1000;
  const imageSizeMB = Number(docker(['image', 'inspect', '-f', '{{.Size}}', IMAGE]).trim()) / 1e6;
  log(`image ${IMAGE}: built in ${imageBuildSeconds.toFixed(1)} s (cache-warm runs are faster), ${imageSizeMB.toFixed(0)} MB`);

  const info: SuiteInfo = {
    nginxPort: await freePort(),
    prometheusPort: await freePort(),
    imageStatus,
    imageBuildSeconds,
    imageSizeMB,
  };
  writeFileSync(infoFile, JSON.stringify(info, null, 2));
}
