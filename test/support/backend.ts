// A temporary `file://` Pulumi backend with a passphrase secrets provider,
// one per test, removed afterwards.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface TempBackend {
    readonly dir: string;
    readonly url: string;
    /** Environment for the engine: backend URL, passphrase, no update checks, no telemetry. */
    readonly env: Record<string, string>;
    cleanup(): void;
}

export function tempBackend(prefix = "papyrus-backend-"): TempBackend {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const home = path.join(dir, "pulumi-home");
    fs.mkdirSync(home);
    const url = `file://${dir}/state`;
    fs.mkdirSync(path.join(dir, "state"));
    return {
        dir,
        url,
        env: {
            PULUMI_BACKEND_URL: url,
            PULUMI_CONFIG_PASSPHRASE: "papyrus-test-passphrase",
            PULUMI_HOME: home,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
        },
        cleanup() {
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
