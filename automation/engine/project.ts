// The Pulumi project the driver drives, read from its Pulumi.yaml. The project's
// `name` is its config namespace (`<name>:repositoryName`, as `pulumi config`
// spells it) and part of each stack's identity (`organization/<name>/dev`), so
// any project that meets the contract in docs/CONTRACT.md can be driven: this
// repository's `papyrus`, examples/orders' `orders`, an adopter's own.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { InvalidInputError } from "../record/errors";

export interface PulumiProject {
    readonly directory: string;
    /** Pulumi.yaml `name`: the config namespace. */
    readonly name: string;
    /** Pulumi.yaml's own `config:` (values every stack gets), as written. */
    readonly config?: unknown;
    /** Where the stacks' `Pulumi.<stack>.yaml` live: `stackConfigDir`, else beside Pulumi.yaml. */
    readonly stackConfigDirectory: string;
}

// Pulumi's own rule for a project name (tokens.ValidateProjectName).
const PROJECT_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** Reads and checks `directory`/Pulumi.yaml; a file the driver cannot use is refused naming what is missing. */
export function readProject(directory: string): PulumiProject {
    const file = path.join(directory, "Pulumi.yaml");
    const refuse = (value: string | undefined, problem: string) => new InvalidInputError(file, value, `${problem} (the project contract: docs/CONTRACT.md)`);
    let loaded: unknown;
    try {
        loaded = yaml.load(fs.readFileSync(file, "utf8"));
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT") throw refuse(undefined, "is needed: the driver drives a Pulumi project; run from the project or pass `--cwd <project>`");
        if (code !== undefined) throw refuse(`(${code})`, "cannot be read; check its permissions");
        throw refuse((err as Error).message.split("\n")[0], "is not valid YAML; fix it (see `git diff`) and try again");
    }
    if (typeof loaded !== "object" || loaded === null || Array.isArray(loaded)) {
        throw refuse(loaded === null || loaded === undefined ? "(empty)" : typeof loaded, "must be a YAML mapping with the project's `name` and `runtime`");
    }
    const fields = loaded as Record<string, unknown>;
    if (fields.name === undefined || fields.name === null || fields.name === "") {
        throw refuse(undefined, "must give the project's `name`: it is the config namespace (`<name>:repositoryName`) and part of every stack's name");
    }
    if (typeof fields.name !== "string" || !PROJECT_NAME.test(fields.name)) {
        throw refuse(String(fields.name), "must give a project `name` of letters, digits, `-`, `_` and `.` (Pulumi's rule)");
    }
    const stackConfigDir = typeof fields.stackConfigDir === "string" && fields.stackConfigDir !== "" ? fields.stackConfigDir : undefined;
    return {
        directory,
        name: fields.name,
        config: fields.config,
        stackConfigDirectory: stackConfigDir === undefined ? directory : path.resolve(directory, stackConfigDir),
    };
}

/**
 * The stack outputs the driver reads once the state runs a service (a task definition with a
 * digest): where ECS is followed, verified and shown (docs/CONTRACT.md). Without them an update
 * is not followed: its evidence says so, and `verify` exits 8.
 */
export const SERVICE_OUTPUTS = ["clusterName", "serviceName"] as const;
