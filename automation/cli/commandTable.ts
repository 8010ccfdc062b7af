// The CLI's commands and their flags, in one table: each command declares the
// flags it takes, with help text, the library option each fills and how its
// text is parsed. The usage (usage.ts), the parser (parseCommandLine.ts) and
// the options each command's library function gets (commandOptions.ts) are
// all generated from it; nothing about a flag is written anywhere else.
import { formatDuration } from "../../components/duration";
import { DEFAULT_REPLICA_WAIT_MS, DEFAULT_RESTORE_WAIT_MS } from "../aws/wait";
import { ANY_PROJECT, qualifiedKey } from "../../components/configSchema";
import type { CommandSpec, FlagSpec } from "./flagSpec";
import {
    findProjectDirectory,
    onInterrupt,
    pollInterval,
    onRollback,
    progressStyle,
    projectDirectory,
    tagPolicy,
    text,
    toDigest,
    toTag,
    toVersion,
    updateNumber,
    waitDuration,
} from "./flagValues";

const stack = (what: string) =>
    ({
        type: "string",
        value: "<env>",
        required: true,
        option: "stackName",
        parse: text,
        example: "dev",
        help: `${what}: \`dev\`, or \`organization/papyrus/dev\``,
    }) as const;
const NO_VERIFY = { type: "boolean", option: "verify", set: false, help: "do not compare what ECS runs with what the stack recorded afterwards" } as const;
const WAIT_TIMEOUT = {
    type: "string",
    value: "<duration>",
    option: "waitTimeoutMs",
    parse: waitDuration,
    help: "how long to follow the ECS deployment `up` started to COMPLETED or FAILED: `90s`, `15m`, `0` (look once); default 15m, then exit 10",
} as const;
const ON_ROLLBACK = {
    type: "string",
    value: "fail|reconcile",
    option: "onRollback",
    parse: onRollback,
    help: "when ECS rolls the deployment back: exit 6 (`fail`, default) or also record what ECS runs with a `reconcile` update (still exit 6)",
    excludes: {
        flag: "no-verify",
        when: (value: string) => value === "reconcile",
        problem: "needs ECS checked after the update, which `--no-verify` turns off: drop one of them",
    },
} as const;
const PROGRESS = {
    type: "string",
    value: "engine|steps",
    parse: progressStyle,
    help: "how the engine's work is shown on stderr: its own output (`engine`, default) or one line per resource operation (`steps`)",
} as const;
const EVIDENCE = {
    type: "string",
    value: "<file>",
    option: "evidenceFile",
    parse: text,
    help: "write the evidence record (JSON) to this file; checked before anything runs",
} as const;
const POLL_INTERVAL = {
    type: "string",
    value: "<duration>",
    option: "rolloutPollMs",
    parse: pollInterval,
    help: "how often to ask ECS while following the rollout: `1s` to `5m` (default 5s)",
} as const;
const SMOKE_TEST = {
    type: "string",
    value: "<command>",
    option: "smokeTest",
    parse: text,
    help:
        "at a PAUSE hook, run this shell command (env PAPYRUS_TEST_URL, PAPYRUS_STACK, PAPYRUS_IMAGE, PAPYRUS_DIGEST, PAPYRUS_STAGE, PAPYRUS_SERVICE_DEPLOYMENT): " +
        "exit 0 continues the deployment, anything else rolls it back (exit 14); without it the deploy waits for `approve` or `abort`",
} as const;
const SMOKE_TEST_TIMEOUT = {
    type: "string",
    value: "<duration>",
    option: "smokeTestTimeoutMs",
    parse: waitDuration,
    requires: { flag: "smoke-test", problem: "is how long the smoke test may run, so it goes with `--smoke-test`" },
    help: "how long the smoke test may run before it counts as failed (default 5m)",
} as const;
const ON_INTERRUPT = {
    type: "string",
    value: "ask|leave|abort",
    option: "onInterrupt",
    parse: onInterrupt,
    help: "Ctrl-C while ECS rolls the update out: ask at a terminal (default; without one: leave), leave it running (exit 130), or abort: roll back and reconcile (exit 14)",
} as const;
const REASON = {
    type: "string",
    value: "<why>",
    option: "reason",
    parse: text,
    help: "why: recorded with who asked, in the stack's tags and the evidence",
} as const;
const ACCEPT_FINDINGS = {
    type: "string",
    value: "<reason>",
    option: "acceptFindings",
    parse: text,
    help: `deploy although the digest's scan findings reach the stack's \`${qualifiedKey(ANY_PROJECT, "scanThreshold")}\` (or its scan is unfinished or missing): say why; the evidence records it with the counts`,
} as const;

export const COMMANDS = {
    deploy: {
        summary: "resolve a tag to its digest and deploy that digest",
        description:
            "Resolves <tag> (v*.*.* or a full commit SHA; never latest) to its digest with one ECR call, runs pulumi up " +
            "with <repositoryUrl>@sha256:<digest> (passed for this update only: the checkout's files are not changed), then " +
            `compares with what ECS runs. On a stack with \`${qualifiedKey(ANY_PROJECT, "promoteFrom")}\`, only a digest that succeeded on that stack is taken. ` +
            `Before the update the digest's scan findings are read: findings at or above \`${qualifiedKey(ANY_PROJECT, "scanThreshold")}\` (default CRITICAL) refuse it ` +
            "(exit 11) unless --accept-findings says why. Afterwards the digests the stack runs and ran most recently get its protective tags.",
        flags: {
            stack: stack("the stack to deploy to"),
            tag: {
                type: "string",
                value: "<tag>",
                required: true,
                option: "tag",
                parse: text,
                example: "v25.10.31",
                help: "the image tag to deploy, e.g. `v25.10.31`",
            },
            "tag-pattern": {
                type: "string",
                value: "<re>",
                option: "tagPolicy",
                parse: tagPolicy,
                help: "allowed tags (default: ^v\\d+\\.\\d+\\.\\d+$|^[0-9a-f]{40}$)",
            },
            preview: { type: "boolean", option: "preview", set: true, help: "show what the update would change; change nothing" },
            "accept-findings": ACCEPT_FINDINGS,
            "no-verify": NO_VERIFY,
            progress: PROGRESS,
            "wait-timeout": WAIT_TIMEOUT,
            "poll-interval": POLL_INTERVAL,
            "on-rollback": ON_ROLLBACK,
            "smoke-test": SMOKE_TEST,
            "smoke-test-timeout": SMOKE_TEST_TIMEOUT,
            "on-interrupt": ON_INTERRUPT,
            evidence: {
                ...EVIDENCE,
                excludes: {
                    flag: "preview",
                    problem:
                        "is the record of an update, and `--preview` runs none (a preview changes nothing and leaves no record); " +
                        "drop `--evidence` to preview, or drop `--preview` to deploy and record the update",
                },
            },
        },
    },
    rollback: {
        summary: "re-run up with an earlier deployment's digest from the stack history",
        description:
            "Re-runs up with the digest of an earlier succeeded deployment (default: the newest one whose digest differs " +
            "from the current one, stepping back from where the current digest came from) after checking that the image " +
            "still exists in ECR. State is never rewritten. A target outside the stack's protected deployments is rolled back to with a warning. " +
            "An archived target exits 3 with the command to run; with --restore it is restored (ECR: typically within 20 minutes), waited for, then deployed.",
        flags: {
            stack: stack("the stack to roll back"),
            "to-version": { type: "string", value: "N", group: "target", option: "target", parse: toVersion, help: "the update number from `history`" },
            "to-tag": { type: "string", value: "T", group: "target", option: "target", parse: toTag, help: "the tag of an earlier deployment" },
            "to-digest": {
                type: "string",
                value: "sha256:…",
                group: "target",
                option: "target",
                input: "target.toDigest",
                parse: toDigest,
                help: "the digest of an earlier deployment",
            },
            restore: {
                type: "boolean",
                option: "restore",
                set: true,
                help: "if the target is archived in ECR, restore it (UpdateImageStorageClass), wait, then roll back",
            },
            wait: {
                type: "string",
                value: "<duration>",
                option: "restoreWaitMs",
                parse: waitDuration,
                requires: { flag: "restore", problem: "is how long to wait for a restore, so it goes with `--restore`" },
                help: `with --restore: how long to wait for the restore: \`20m\`, \`45m\` (default ${formatDuration(DEFAULT_RESTORE_WAIT_MS)}, at most 60m)`,
            },
            "no-verify": NO_VERIFY,
            progress: PROGRESS,
            "wait-timeout": WAIT_TIMEOUT,
            "poll-interval": POLL_INTERVAL,
            "on-rollback": ON_ROLLBACK,
            "smoke-test": SMOKE_TEST,
            "smoke-test-timeout": SMOKE_TEST_TIMEOUT,
            "on-interrupt": ON_INTERRUPT,
            evidence: EVIDENCE,
        },
    },
    promote: {
        summary: "deploy to one stack the digest another stack runs (build once, deploy everywhere)",
        description:
            "Takes the digest stack --from runs now (read from its state, checked against what its ECS service runs; " +
            "exit 6 if it drifted) or its update --version N, finds the same digest in --to's repository (one DescribeImages; " +
            `replication brings it there: waits up to --wait, default ${formatDuration(DEFAULT_REPLICA_WAIT_MS)}, then exit 3), and deploys it ` +
            "to --to by digest. The evidence and `history` name the source's stack, update, digest and tag. --from is only read.",
        flags: {
            from: {
                type: "string",
                value: "<env>",
                required: true,
                option: "from",
                parse: text,
                example: "dev",
                help: "the stack whose digest is promoted (read only), e.g. `dev`",
            },
            to: {
                type: "string",
                value: "<env>",
                required: true,
                option: "stackName",
                parse: text,
                example: "prod",
                help: "the stack to deploy it to, e.g. `prod`",
            },
            version: {
                type: "string",
                value: "N",
                option: "version",
                parse: updateNumber,
                help: "promote --from's update N (`history --stack <from>`) instead of what it runs now; no ECS check",
            },
            wait: {
                type: "string",
                value: "<duration>",
                option: "waitMs",
                parse: waitDuration,
                help: `how long to wait for replication: \`90s\`, \`10m\`, \`0\` (default ${formatDuration(DEFAULT_REPLICA_WAIT_MS)}, at most 60m)`,
            },
            "accept-findings": ACCEPT_FINDINGS,
            "no-verify": NO_VERIFY,
            progress: PROGRESS,
            "wait-timeout": WAIT_TIMEOUT,
            "poll-interval": POLL_INTERVAL,
            "on-rollback": ON_ROLLBACK,
            "smoke-test": SMOKE_TEST,
            "smoke-test-timeout": SMOKE_TEST_TIMEOUT,
            "on-interrupt": ON_INTERRUPT,
            evidence: EVIDENCE,
        },
    },
    up: {
        summary: "apply infrastructure changes, keeping the digest the stack runs",
        description:
            "Runs up with the digest the stack's state runs now: an infrastructure change (a health check, more tasks) " +
            "without touching the image. A plain `pulumi up` keeps the running digest too.",
        flags: {
            stack: stack("the stack to update"),
            "no-verify": NO_VERIFY,
            progress: PROGRESS,
            "wait-timeout": WAIT_TIMEOUT,
            "poll-interval": POLL_INTERVAL,
            "on-rollback": ON_ROLLBACK,
            "smoke-test": SMOKE_TEST,
            "smoke-test-timeout": SMOKE_TEST_TIMEOUT,
            "on-interrupt": ON_INTERRUPT,
            evidence: EVIDENCE,
        },
    },
    reconcile: {
        summary: "make the stack record the digest ECS runs (after ECS rolled a deployment back)",
        description:
            "Reads the image the ECS service's primary deployment runs; when it is not what the stack's state records " +
            "(ECS's circuit breaker or a deployment alarm rolled the last update back), runs up with that digest, recorded as " +
            "kind `reconcile` linked to the rolled-back update, so state, history and ECS agree and the next plain update keeps it. " +
            "Nothing to do when they already agree.",
        flags: { stack: stack("the stack to reconcile"), progress: PROGRESS, "wait-timeout": WAIT_TIMEOUT, evidence: EVIDENCE },
    },
    approve: {
        summary: "let a deployment that waits at a PAUSE hook go on, recording who and why",
        description:
            "Finds the stack's ECS deployment in flight (ListServiceDeployments) and the PAUSE hook it waits at, records the decision " +
            "(who: the local user or the CI identity; --reason) as a stack tag beside the update's release verdict, then asks ECS to continue " +
            "(ContinueServiceDeployment). The deploy that waits, in this or any other checkout, sees ECS go on and keeps the decision in its evidence. " +
            "Exit 15, changing nothing, when no deployment is in flight or none waits at a hook (a second approve is told what already happened).",
        flags: {
            stack: stack("the stack whose deployment to approve"),
            reason: REASON,
            tag: {
                type: "string",
                value: "<tag>",
                option: "tag",
                parse: text,
                help: "approve only the deployment of the stack's newest update if it is of this tag (exit 15 otherwise): what CI passes, so it never approves another run's",
            },
            evidence: EVIDENCE,
        },
    },
    abort: {
        summary: "stop the stack's deployment in flight and roll back to the revision it replaced",
        description:
            "Records who and why, then rolls the deployment back: at a PAUSE hook with ContinueServiceDeployment ROLLBACK, otherwise with " +
            "StopServiceDeployment ROLLBACK. Follows ECS's rollback to its end (--wait-timeout), then reconciles, so state, history and ECS agree " +
            "(when the deploy that started it still holds the stack, that deploy reconciles). Exit 15, changing nothing, when nothing is in flight.",
        flags: {
            stack: stack("the stack whose deployment to abort"),
            reason: { ...REASON, required: true, example: "errors up in the canary" },
            "wait-timeout": WAIT_TIMEOUT,
            "poll-interval": POLL_INTERVAL,
            evidence: EVIDENCE,
        },
    },
    history: {
        summary: "list the stack's deployments, marking the one its state runs",
        description:
            "Lists every update, newest first: version, times, result, kind (a promote names its source), tag, digest, " +
            "who asked, and RUNS for the update whose digest the stack's state runs.",
        flags: { stack: stack("the stack") },
    },
    status: {
        summary: "show what runs in every stack of the project (read only)",
        description:
            "One row per stack in the backend: the update whose digest its state runs (version, digest, tag, when, who), " +
            "whether ECS runs that image, and whether the repository protects it (a `deployed-<stack>-slot<n>` tag). " +
            "Takes no lock and changes nothing; a stack that cannot be read gets a row that says why. Exit 0 unless the stacks cannot be listed.",
        flags: {},
    },
    verify: {
        summary: "compare what ECS runs with what the stack recorded (exit 6 on drift)",
        description: "Reads the digest the stack's state runs and the task definition of the ECS service's primary deployment, " + "and compares them.",
        flags: { stack: stack("the stack") },
    },
    unlock: {
        summary: "remove the stack's driver lock when no process of this host holds it",
        description:
            "Removes this checkout's driver lock on the stack (`.pulumi-state/driver-locks/<org>+<project>+<stack>.json`) when its holder " +
            "cannot be running here: a process of this host that has ended, a pid now reused by another process, or a lock taken on " +
            "another host name (a container gets a new one each run; run it only when no deploy of the stack runs there). Refuses with " +
            "exit 4, naming the holder, while a process of this host holds it. Prints what it removed; nothing is removed for its age alone. " +
            "The engine's own lock is `pulumi cancel`'s.",
        flags: { stack: stack("the stack whose driver lock to remove") },
    },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

/** Flags every command takes. */
export const COMMON_FLAGS = {
    cwd: {
        type: "string",
        value: "<dir>",
        option: "workDir",
        parse: projectDirectory,
        default: findProjectDirectory,
        help: "project directory (default: the nearest directory upwards from here that holds a Pulumi.yaml, whatever project it names)",
    },
    json: { type: "boolean", help: 'print one JSON object on stdout, also on errors: the evidence record, or {"error": {"code", "message"}}' },
    help: { type: "boolean", help: "this command's flags" },
} as const satisfies Record<string, FlagSpec>;

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

/** What `papyrus-deploy` takes without a command: `--help` (`-h`), `--version` (`-V`) and `--json`. */
export const TOP_LEVEL_FLAGS = ["--help", "-h", "--version", "-V", "--json"] as const;

export function isCommand(name: string): name is CommandName {
    return (COMMAND_NAMES as string[]).includes(name);
}

/** The flags of `command`, its own and the common ones, as the table gives them. */
export function flagsOf(command: CommandName): Readonly<Record<string, FlagSpec>> {
    return { ...(COMMANDS[command].flags as Record<string, FlagSpec>), ...COMMON_FLAGS };
}
