// Jest globalTeardown (and the start of globalSetup): removes everything the container suite
// may have created, whether its tests passed or not. Every name starts with `statelab-ct`.
import { existsSync, rmSync } from 'node:fs';
import { STACK, composeArgs, composeEnv } from './project';
import { infoFile, lines, runQuietly } from './docker';

export default async function containersTeardown(): Promise<void> {
  runQuietly('docker-compose', composeArgs(['down', '-v', '--remove-orphans', '-t', '5']), composeEnv());
  runQuietly('docker', ['stack', 'rm', STACK]);
  // stack rm returns before its networks are gone; wait a little so the swarm can be left.
  for (let i = 0; i < 30 && lines(runQuietly('docker', ['network', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${STACK}`])).length > 0; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  const clientContainers = lines(runQuietly('docker', ['ps', '-aq', '--filter', `label=statelab-ct.client`]));
  if (clientContainers.length > 0) runQuietly('docker', ['rm', '-f', ...clientContainers]);
  for (const network of lines(runQuietly('docker', ['network', 'ls', '-q', '--filter', 'label=statelab-ct.client']))) {
    runQuietly('docker', ['network', 'rm', network]);
  }
  // Leave the swarm only if this suite made it (swarm.test.ts labels the node).
  const nodeLabel = runQuietly('docker', ['node', 'inspect', 'self', '-f', '{{index .Spec.Labels "statelab-ct"}}']).trim();
  if (nodeLabel === 'created') {
    runQuietly('docker', ['swarm', 'leave', '--force']);
    runQuietly('docker', ['network', 'rm', 'docker_gwbridge']);
  }
  if (existsSync(infoFile) && process.env.STATELAB_CT_KEEP !== '1') rmSync(infoFile);
}
