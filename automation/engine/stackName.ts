// A stack's identity as the engine sees it. `dev`, `<project>/dev` and
// `organization/<project>/dev` name one stack on a self-managed (file/S3)
// backend; the driver's lock, its recovery and its messages must treat them
// as one, or two spellings race past each other on one Pulumi.dev.yaml.
import { InvalidInputError } from "../record/errors";

/** The organization every stack has on a self-managed backend (file://, s3://, gs://, azblob://). */
export const DIY_ORGANIZATION = "organization";

export interface StackIdentity {
    /** `organization/<project>/dev`: one spelling per stack, used for locks and records. */
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
 * Parses `--stack` into the canonical identity of a stack of `project` (Pulumi.yaml `name`). On Pulumi
 * Cloud a name without an organization belongs to `defaultOrganization` (the logged-in user's, from `pulumi whoami`).
 */
export function stackIdentity(input: string, project: string, backendUrl: string, defaultOrganization?: string): StackIdentity {
    const parts = input.split("/");
    const selfManaged = isSelfManagedBackend(backendUrl);
    const bad = (problem: string) => new InvalidInputError("stackName", input, problem);
    if (parts.length > 3 || parts.some((p) => !NAME.test(p))) {
        throw bad(`must be a stack name (letters, digits, \`-\`, \`_\`, \`.\`; e.g. \`dev\`) or \`organization/${project}/dev\``);
    }
    if (parts.some((p) => p === "." || p === "..")) {
        throw bad("must not contain `.` or `..` as a part: it is a stack name, not a path");
    }
    let organization: string;
    let named = project;
    const name = parts[parts.length - 1];
    if (parts.length === 3) {
        [organization, named] = parts;
    } else if (parts.length === 2) {
        // Self-managed backends read `a/b` as project/stack; Pulumi Cloud as organization/stack.
        if (selfManaged) named = parts[0];
        organization = selfManaged ? DIY_ORGANIZATION : parts[0];
    } else {
        organization = selfManaged ? DIY_ORGANIZATION : (defaultOrganization ?? "");
        if (!organization) throw bad(`needs an organization on Pulumi Cloud (\`<org>/${project}/<stack>\`): \`pulumi whoami\` named none`);
    }
    if (named !== project) {
        throw bad(`names project \`${named}\`, but this is project \`${project}\` (Pulumi.yaml); use \`${name}\` or \`${organization}/${project}/${name}\``);
    }
    if (selfManaged && organization !== DIY_ORGANIZATION) {
        throw bad(`names organization \`${organization}\`, but a self-managed backend has only \`${DIY_ORGANIZATION}\`; use \`${name}\``);
    }
    return { qualified: `${organization}/${project}/${name}`, organization, project, name };
}
