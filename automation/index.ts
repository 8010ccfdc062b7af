// The driver library, `papyrus-deploy/driver`: the functions the CLI calls, one per command, their
// options and typed results, and the typed errors they throw (each with its exit code). A program of
// your own drives stacks with these exactly as `papyrus-deploy <command>` does:
//
//     import { deploy, DeployError } from "papyrus-deploy/driver";
//     const result = await deploy({ stackName: "dev", tag: "v1.2.3", workDir: "/path/to/project" });
//
// Loading this entry loads the Pulumi Automation API and the AWS SDK; the CLI (cli/main.ts) loads
// each command's module only when that command runs.
export { deploy, type DeployOptions } from "./commands/deploy";
export { rollback, type RollbackOptions } from "./commands/rollback";
export { promote, type PromoteOptions } from "./commands/promote";
export { up } from "./commands/up";
export { reconcile } from "./commands/reconcile";
export { history, type HistoryResult } from "./commands/history";
export { verify, type VerifyReport } from "./commands/verify";
export { status, type StatusOptions, type StatusResult, type StackStatus, type EcsState, type ProtectionState } from "./commands/status";
export { unlock } from "./commands/unlock";
export type { StackContext, UpdateOptions } from "./update/session";
export type { DeployResult } from "./update/outcome";
export type { UnlockResult } from "./engine/lock";
export type { Deployment, RollbackTarget } from "./record/history";
export type { EvidenceRecord } from "./record/evidence";
export { DEFAULT_TAG_PATTERN, type TagPolicy } from "./record/tags";
export * from "./record/errors";
