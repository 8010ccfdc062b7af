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

/**
 * An `s3://` Pulumi backend in a fresh bucket of moto's S3, as a team keeps state: the CLI's S3
 * URL with moto as the endpoint and path-style addressing. `env` also carries moto's endpoint and
 * test credentials, which the CLI's S3 client reads. The directory holds what is not state (the
 * fixture project, PULUMI_HOME).
 */
export async function s3Backend(moto: { endpoint: string; env: Record<string, string> }, bucket: string): Promise<TempBackend> {
    const created = await fetch(`${moto.endpoint}/${bucket}`, { method: "PUT" }); // S3 CreateBucket, path-style
    if (!created.ok) throw new Error(`moto could not create bucket ${bucket}: ${created.status} ${await created.text()}`);
    const local = tempBackend("papyrus-s3-");
    const url = `s3://${bucket}/papyrus?endpoint=${encodeURIComponent(moto.endpoint)}&use_path_style=true&disable_https=true&region=us-east-1`;
    return {
        dir: local.dir,
        url,
        env: { ...local.env, ...moto.env, PULUMI_BACKEND_URL: url },
        cleanup: local.cleanup,
    };
}
