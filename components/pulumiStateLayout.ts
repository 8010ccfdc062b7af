// Where Pulumi's DIY backend (`file://` and `s3://`, project mode) keeps one
// stack's objects, relative to the backend's root (the bucket plus the key
// prefix of `PULUMI_BACKEND_URL`). From @pulumi/pulumi 3.259's
// pkg/backend/diy (store.go, state.go, lock.go, meta.go, stack_tags.go), and
// checked against what the file backend writes on `pulumi up` (docs/COMPONENTS.md):
//
//   .pulumi/meta.yaml                                  the layout version, read at login
//   .pulumi/stacks/<project>/<stack>.json              the checkpoint (state)
//   .pulumi/stacks/<project>/<stack>.json.bak          the previous checkpoint, copied before each write
//   .pulumi/stacks/<project>/<stack>.pulumi-tags       stack tags, read by every update (may be absent);
//                                                      the driver writes each update's release verdict there
//   .pulumi/history/<project>/<stack>/<stack>-<ns>.history.json     one per update
//   .pulumi/history/<project>/<stack>/<stack>-<ns>.checkpoint.json  the state after it
//   .pulumi/backups/<project>/<stack>/<stack>.<ns>.json            a copy after each update
//   .pulumi/locks/organization/<project>/<stack>/<uuid>.json       the update lock
//
// The backend lists three prefixes for a stack: `…/stacks/<project>/<stack>.json`
// (to find the checkpoint's compression variant), the history directory and the
// locks directory. Compressed checkpoints (`PULUMI_DIY_BACKEND_GZIP`) and
// retained checkpoints (`PULUMI_RETAIN_CHECKPOINTS`) are not in this layout.
import { got } from "./inputMessage";

/** Pulumi's stack and project names: letters, digits, `-`, `_` and `.` (never `/`). */
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export interface DiyStackObjects {
    /** Objects read and written. */
    readonly readWrite: readonly string[];
    /** Objects (or `dir/*` patterns) read only. */
    readonly readOnly: readonly string[];
    /** Objects (or `dir/*` patterns) written, never read. */
    readonly writeOnly: readonly string[];
    /** Objects (or `dir/*` patterns) deleted: the stack's own locks only. */
    readonly deleted: readonly string[];
    /** Exact `prefix` values of the backend's list requests. */
    readonly listPrefixes: readonly string[];
}

/** The objects one stack's updates, refreshes, `cancel`, `history`, `output` and `export` touch. */
export function diyStackObjects(project: string, stack: string): DiyStackObjects {
    checkName(project, "project");
    checkName(stack, "stack");
    const stackFile = `.pulumi/stacks/${project}/${stack}.json`;
    const history = `.pulumi/history/${project}/${stack}/`;
    const locks = `.pulumi/locks/organization/${project}/${stack}/`;
    return {
        // The tags file holds the release verdicts (automation/record/verdict.ts): the driver and `verify` write it.
        readWrite: [stackFile, `${history}*`, `${locks}*`, `.pulumi/stacks/${project}/${stack}.pulumi-tags`],
        // meta.yaml is shared by every stack: read only. A missing tags file must answer 404, not 403,
        // so its key is also among the list prefixes (S3 answers 404 only to a principal that may list it).
        readOnly: [".pulumi/meta.yaml"],
        writeOnly: [`${stackFile}.bak`, `.pulumi/backups/${project}/${stack}/*`],
        deleted: [`${locks}*`],
        listPrefixes: [stackFile, history, locks, `.pulumi/stacks/${project}/${stack}.pulumi-tags`],
    };
}

/**
 * What reading another stack's history and release verdicts needs (`pulumi stack history`/`output`/`tag ls
 * --stack <source>`, the promotion gates): no write, no lock.
 */
export function diyStackHistoryReader(project: string, stack: string): { readonly readOnly: readonly string[]; readonly listPrefixes: readonly string[] } {
    checkName(project, "project");
    checkName(stack, "stack");
    const stackFile = `.pulumi/stacks/${project}/${stack}.json`;
    const history = `.pulumi/history/${project}/${stack}/`;
    const tags = `.pulumi/stacks/${project}/${stack}.pulumi-tags`;
    return { readOnly: [stackFile, `${history}*`, tags], listPrefixes: [stackFile, history, tags] };
}

function checkName(value: string, what: "project" | "stack"): void {
    if (!NAME.test(value) || value === "." || value === "..") {
        throw new Error(`the Pulumi ${what} name must be letters, digits, \`-\`, \`_\` or \`.\`${got(value)}`);
    }
}
