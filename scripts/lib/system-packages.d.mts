// Types of the parts of system-packages.mjs the TypeScript tools and tests use.
export function findCommand(command: string): string | undefined;
export function requireCommand(command: string): string;
