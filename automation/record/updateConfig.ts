// The driver's config for one update, given to the engine as a temporary copy
// of the checkout's Pulumi.<stack>.yaml with the driver's keys set
// (`pulumi up --config-file`). The engine records that config in the update's
// history entry, so history still says which digest each update asked for and
// who asked; the checkout's file is never written, so after a deploy, rollback
// or promote `git status` is clean and git's Pulumi.<stack>.yaml keeps holding
// no image. The copy keeps `encryptionsalt` and secure values as they are.
// Here too: the checkout's stack config as the driver reads it
// (`readStackConfigValues`), and one key of it typed by the config schema
// (`readSetting`).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { DRIVER_KEYS, DriverKey, isRefusal, parseSetting, qualifiedKey, ScalarKey, SettingOf } from "../../components/configSchema";
import { PulumiProject, readProject } from "../engine/project";
import { InvalidInputError } from "./errors";

/** The driver's keys (the config schema's `DRIVER_KEYS`) for one update. */
export type DriverConfig = { readonly [key in DriverKey]?: string };

export interface UpdateConfigFile {
    /** Absolute path of the copy, for `--config-file`. */
    readonly path: string;
    /** Removes the copy (and its directory); safe to call twice. */
    remove(): void;
}

/** Plain (not secret) string values of the checkout's `Pulumi.<stack>.yaml`, and the project they belong to. */
export interface StackConfigValues {
    /** The project's name (Pulumi.yaml): the namespace of its keys. */
    readonly project: string;
    /** By qualified key: `aws:region`, `<project>:repositoryName`. */
    readonly values: Readonly<Record<string, string>>;
}

/**
 * The checkout's stack config as the engine will read it for the next update, without a CLI call:
 * the driver needs only plain strings from it (`<project>:repositoryName`, `aws:region`,
 * `<project>:promoteFrom`). Secure and structured values are left out. Project-level values in
 * `Pulumi.yaml`'s `config:` apply to every stack, as the engine applies them; the stack's file wins.
 */
export function readStackConfigValues(workDir: string, stackName: string): StackConfigValues {
    const project = readProject(workDir);
    const config = readStackFile(workDir, stackName).config;
    if (config !== null && config !== undefined && (typeof config !== "object" || Array.isArray(config))) {
        throw new InvalidInputError(
            `Pulumi.${stackName}.yaml`,
            typeof config,
            "is not a valid stack config file (`config:` must be a mapping); fix it (see `git diff`) and try again",
        );
    }
    const stackValues = (config ?? {}) as Record<string, unknown>;
    if (typeof stackValues["aws:region"] === "object" && stackValues["aws:region"] !== null) {
        // Left out as secure, the driver's ECR and ECS clients would silently ask the default region.
        throw new InvalidInputError(
            "aws:region",
            "(secret)",
            `in Pulumi.${stackName}.yaml is a secure value; the driver reaches ECR and ECS in that region, so set it in plain text (\`pulumi config set aws:region <region> -s ${stackName}\`)`,
        );
    }
    const values = { ...projectConfigValues(project), ...plainValues(stackValues) };
    const region = values["aws:region"];
    // The driver's ECR and ECS clients use it: a typo would read as "AWS unreachable, try again".
    if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
        throw new InvalidInputError("aws:region", region, `in Pulumi.${stackName}.yaml (or Pulumi.yaml) must be an AWS region such as \`us-east-1\``);
    }
    return { project: project.name, values };
}

/**
 * `key` of the stack's config (`readStackConfigValues`, or an update's recorded config) read as the config
 * schema types it: an unset key reads as its default. A refused value throws `InvalidInputError` naming the
 * key, the value and what it must be.
 */
export function readSetting<K extends ScalarKey>(config: StackConfigValues, key: K): SettingOf<K> {
    return parseStackSetting(config.project, key, config.values[qualifiedKey(config.project, key)]);
}

/** `text` as `key`'s value (undefined: unset), as `readSetting` reads it. */
export function parseStackSetting<K extends ScalarKey>(project: string, key: K, text: string | undefined): SettingOf<K> {
    const parsed = parseSetting(key, text);
    if (isRefusal(parsed)) throw new InvalidInputError(qualifiedKey(project, key), text, parsed.refused);
    return parsed.value;
}

/**
 * True when the checkout's `Pulumi.<stack>.yaml` holds `key` (`<project>:repositoryName`) as a secure
 * value, which `readStackConfigValues` leaves out: "not set" would be the wrong thing to say.
 */
export function isSecureStackConfigValue(workDir: string, stackName: string, key: string): boolean {
    const config = readStackFile(workDir, stackName).config;
    const value = typeof config === "object" && config !== null ? (config as Record<string, unknown>)[key] : undefined;
    return typeof value === "object" && value !== null && "secure" in value;
}

function plainValues(config: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(config)
            .filter((entry): entry is [string, string | number | boolean] => ["string", "number", "boolean"].includes(typeof entry[1]))
            .map(([key, value]) => [key, String(value)]),
    );
}

/**
 * `config:` of the project's `Pulumi.yaml`: `key: value`, `key: { value: … }` or `key: { default: … }`;
 * a key without a namespace is the project's (`repositoryName` is `<project>:repositoryName`).
 */
function projectConfigValues(project: PulumiProject): Record<string, string> {
    if (typeof project.config !== "object" || project.config === null || Array.isArray(project.config)) return {};
    const values: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(project.config as Record<string, unknown>)) {
        const value =
            typeof raw === "object" && raw !== null && !Array.isArray(raw)
                ? ((raw as { value?: unknown; default?: unknown }).value ?? (raw as { default?: unknown }).default)
                : raw;
        values[key.includes(":") ? key : `${project.name}:${key}`] = value;
    }
    return plainValues(values);
}

/**
 * Where the engine reads the stack's config: `Pulumi.<stack>.yaml` beside `Pulumi.yaml`, or in the
 * directory `Pulumi.yaml`'s `stackConfigDir` names (relative to the project).
 */
export function stackConfigPath(workDir: string, stackName: string): string {
    return path.join(readProject(workDir).stackConfigDirectory, `Pulumi.${stackName}.yaml`);
}

/** The checkout's stack config file as a mapping (empty when there is none). */
function readStackFile(workDir: string, stackName: string): Record<string, unknown> {
    const file = `Pulumi.${stackName}.yaml`;
    const source = stackConfigPath(workDir, stackName);
    if (!fs.existsSync(source)) return {};
    let loaded: unknown;
    try {
        loaded = yaml.load(fs.readFileSync(source, "utf8"));
    } catch (err) {
        throw new InvalidInputError(file, (err as Error).message.split("\n")[0], "is not a valid stack config file; fix it (see `git diff`) and try again");
    }
    if (loaded !== null && loaded !== undefined && (typeof loaded !== "object" || Array.isArray(loaded))) {
        throw new InvalidInputError(file, typeof loaded, "is not a valid stack config file (it must be a YAML mapping); fix it (see `git diff`) and try again");
    }
    return (loaded as Record<string, unknown> | null) ?? {};
}

/**
 * Writes `Pulumi.<stack>.yaml` of `workDir` with the driver's keys replaced by `values` (unset ones
 * dropped) into a new private temporary directory.
 */
export function writeUpdateConfig(workDir: string, stackName: string, values: DriverConfig): UpdateConfigFile {
    const file = `Pulumi.${stackName}.yaml`;
    const project = readProject(workDir).name;
    const document = readStackFile(workDir, stackName);
    const config: Record<string, unknown> = { ...((document.config as Record<string, unknown> | null | undefined) ?? {}) };
    for (const key of DRIVER_KEYS) {
        delete config[qualifiedKey(project, key)];
        const value = values[key];
        if (value !== undefined) config[qualifiedKey(project, key)] = value;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-update-config-"));
    const copy = path.join(dir, file);
    fs.writeFileSync(copy, yaml.dump({ ...document, config }, { lineWidth: -1, noRefs: true }), { mode: 0o600 });
    return {
        path: copy,
        remove() {
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
