// A stack's identity as the engine sees it. `dev`, `papyrus/dev` and
// `organization/papyrus/dev` name one stack on a self-managed (file/S3)
// backend; the driver's lock, its recovery and its messages must treat them
// as one, or two spellings race past each other on one Pulumi.dev.yaml.
import { PROJECT_NAME } from "../../components/configSchema";
import { InvalidInputError } from "../record/errors";

/** The organization every stack has on a self-managed backend (file://, s3://, gs://, azblob://). */
export const DIY_ORGANIZATION = "organization";

export interface StackIdentity {
    /** `organization/papyrus/dev`: one spelling per stack, used for locks and records. */
    readonly qualified: string;
    readonly organization: string;
    readonly project: string;
    /** `dev`: names `Pulumi.dev.yaml` and the engine's lock directory. */
    readonly name: string;
}

// Pulumi's own rule for a stack name (tokens.ValidateStackName) and for an organization.
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export function isSelfManagedBackend(backendUrl: string): boolean {
    return /^(file|s3|gs|azblob):\/\//.test(backendUrl);
}

/**
 * Parses `--stack` into the stack's canonical identity. On Pulumi Cloud a name without an
 * organization belongs to `defaultOrganization` (the logged-in user's, from `pulumi whoami`).
 */
export function stackIdentity(input: string, backendUrl: string, defaultOrganization?: string): StackIdentity {
    const parts = input.split("/");
    const selfManaged = isSelfManagedBackend(backendUrl);
    const bad = (problem: string) => new InvalidInputError("stackName", input, problem);
    if (parts.length > 3 || parts.some((p) => !NAME.test(p))) {
        throw bad("must be a stack name (letters, digits, `-`, `_`, `.`; e.g. `dev`) or `organization/papyrus/dev`");
    }
    if (parts.some((p) => p === "." || p === "..")) {
        throw bad("must not contain `.` or `..` as a part: it is a stack name, not a path");
    }
    let organization: string;
    let project = PROJECT_NAME;
    const name = parts[parts.length - 1];
    if (parts.length === 3) {
        [organization, project] = parts;
    } else if (parts.length === 2) {
        // Self-managed backends read `a/b` as project/stack; Pulumi Cloud as organization/stack.
        if (selfManaged) project = parts[0];
        organization = selfManaged ? DIY_ORGANIZATION : parts[0];
    } else {
        organization = selfManaged ? DIY_ORGANIZATION : (defaultOrganization ?? "");
        if (!organization) throw bad("needs an organization on Pulumi Cloud (`<org>/papyrus/<stack>`): `pulumi whoami` named none");
    }
    if (project !== PROJECT_NAME) {
        throw bad(
            `names project \`${project}\`, but this is project \`${PROJECT_NAME}\` (Pulumi.yaml); use \`${name}\` or \`${organization}/${PROJECT_NAME}/${name}\``,
        );
    }
    if (selfManaged && organization !== DIY_ORGANIZATION) {
        throw bad(`names organization \`${organization}\`, but a self-managed backend has only \`${DIY_ORGANIZATION}\`; use \`${name}\``);
    }
    return { qualified: `${organization}/${project}/${name}`, organization, project, name };
}
