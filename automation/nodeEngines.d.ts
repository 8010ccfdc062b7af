// Types for nodeEngines.js, which stays plain JavaScript so it runs before ts-node exists.
export function parseVersion(version: string): [number, number, number];
export function minimumVersion(range: string): [number, number, number];
export function satisfiesEngines(version: string, range: string): boolean;
export function unsupportedNodeMessage(version: string, execPath: string, range: string, options?: { installed?: boolean }): string | undefined;
export function refuseToStart(message: string, argv: readonly string[]): void;
