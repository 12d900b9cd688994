// Types of kubernetes.mjs for the Kubernetes tests.
export function parseDocuments(text: string): unknown[];
export function renderKustomization(kubectl: string, dir: string): unknown[];
