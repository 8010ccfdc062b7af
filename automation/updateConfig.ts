// The driver's config for one update, given to the engine as a temporary copy
// of the checkout's Pulumi.<stack>.yaml with the driver's keys set
// (`pulumi up --config-file`). The engine records that config in the update's
// history entry, so history still says which digest each update asked for and
// who asked; the checkout's file is never written, so after a deploy, rollback
// or promote `git status` is clean and git's Pulumi.<stack>.yaml keeps holding
// no image. The copy keeps `encryptionsalt` and secure values as they are.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { CONFIG_KEYS, qualifiedKey } from "../components/stackConfig";
import { InvalidInputError } from "./errors";

/** The keys the driver sets for an update; any of them in the checkout's file is dropped from the copy. */
export const DRIVER_KEYS = ["image", "imageTag", "deployedBy", "deployKind", "promotedFrom"] as const satisfies readonly (keyof typeof CONFIG_KEYS)[];

export type DriverConfig = { readonly [key in (typeof DRIVER_KEYS)[number]]?: string };

export interface UpdateConfigFile {
    /** Absolute path of the copy, for `--config-file`. */
    readonly path: string;
    /** Removes the copy (and its directory); safe to call twice. */
    remove(): void;
}

/**
 * Writes `Pulumi.<stack>.yaml` of `workDir` with the driver's keys replaced by `values` (unset ones
 * dropped) into a new private temporary directory.
 */
export function writeUpdateConfig(workDir: string, stackName: string, values: DriverConfig): UpdateConfigFile {
    const file = `Pulumi.${stackName}.yaml`;
    const source = path.join(workDir, file);
    let document: Record<string, unknown> = {};
    if (fs.existsSync(source)) {
        let loaded: unknown;
        try {
            loaded = yaml.load(fs.readFileSync(source, "utf8"));
        } catch (err) {
            throw new InvalidInputError(file, (err as Error).message.split("\n")[0], "is not a valid stack config file; fix it (see `git diff`) and try again");
        }
        if (loaded !== null && loaded !== undefined && (typeof loaded !== "object" || Array.isArray(loaded))) {
            throw new InvalidInputError(file, typeof loaded, "is not a valid stack config file (it must be a YAML mapping); fix it (see `git diff`) and try again");
        }
        document = (loaded as Record<string, unknown> | null) ?? {};
    }
    const config: Record<string, unknown> = { ...((document.config as Record<string, unknown> | null | undefined) ?? {}) };
    for (const key of DRIVER_KEYS) {
        delete config[qualifiedKey(key)];
        const value = values[key];
        if (value !== undefined) config[qualifiedKey(key)] = value;
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
