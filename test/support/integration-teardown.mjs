// Jest globalTeardown: drops the template database and stops anything the setup started.
import { cleanup } from './integration-setup.mjs';

export default async function integrationTeardown() {
  await cleanup();
}
