// Types for buildState.js, which stays plain JavaScript so the launcher and the build run it uncompiled.
export type BuildState = "current" | "missing" | "stale";
export function buildState(root?: string): BuildState;
export const DIST: string;
export const STAMP: string;
export const SOURCE_DIRS: readonly string[];
export const CONFIG_FILES: readonly string[];
