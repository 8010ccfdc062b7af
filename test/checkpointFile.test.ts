// The checkpoint read straight from a file:// backend, and every doubt that sends the driver to
// `pulumi stack export` instead. test/engine.integration.test.ts proves the file's record equals
// what `stack export` prints for a real engine's stack.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fileBackendRoot, readCheckpointFile, SECRET_SIGNATURE } from "../automation/checkpointFile";

const LATEST = {
    manifest: { time: "2026-12-04T05:00:00Z" },
    resources: [{ urn: "urn:pulumi:dev::papyrus::pulumi:pulumi:Stack::papyrus-dev", type: "pulumi:pulumi:Stack" }],
};

describe("readCheckpointFile", () => {
    let dir: string;
    const url = () => `file://${dir}`;
    const stackFile = (project = "papyrus", stack = "dev") => path.join(dir, ".pulumi", "stacks", project, `${stack}.json`);
    const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
    };

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-checkpoint-"));
        write(path.join(dir, ".pulumi", "meta.yaml"), "version: 1\n");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads `checkpoint.latest` of the project's stack file: what `stack export` calls `deployment`", () => {
        write(stackFile(), JSON.stringify({ version: 3, checkpoint: { stack: "organization/papyrus/dev", latest: LATEST } }));
        write(stackFile("other"), JSON.stringify({ version: 3, checkpoint: { latest: { resources: [] } } }));
        assert.deepStrictEqual(readCheckpointFile(url(), "papyrus", "dev"), { checkpoint: LATEST });
    });

    it("a stack that was never updated has no checkpoint (as `stack export` prints no resources)", () => {
        write(stackFile(), JSON.stringify({ version: 3, checkpoint: { stack: "organization/papyrus/dev" } }));
        assert.deepStrictEqual(readCheckpointFile(url(), "papyrus", "dev"), { checkpoint: undefined });
    });

    it("leaves to the CLI what only the CLI can read", () => {
        const unreadable = (expected: RegExp, backendUrl = url()) => {
            const read = readCheckpointFile(backendUrl, "papyrus", "dev");
            assert.ok("unreadable" in read, `expected the CLI to be asked, got ${JSON.stringify(read)}`);
            assert.match(read.unreadable, expected);
        };
        write(stackFile(), JSON.stringify({ version: 3, checkpoint: { latest: LATEST } }));
        // Secrets are ciphertext in the file; `stack export --show-secrets` decrypts them.
        write(
            stackFile(),
            JSON.stringify({
                version: 3,
                checkpoint: {
                    latest: { resources: [{ outputs: { password: { [SECRET_SIGNATURE]: "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc" } } }] },
                },
            }),
        );
        unreadable(/holds secrets/);
        write(stackFile(), JSON.stringify({ version: 4, checkpoint: { latest: LATEST } }));
        unreadable(/not a version 3 checkpoint/);
        write(stackFile(), JSON.stringify({ version: 3 }));
        unreadable(/not a version 3 checkpoint/);
        write(stackFile(), "{ half a file");
        unreadable(/is not JSON/);
        write(stackFile(), JSON.stringify({ version: 3, checkpoint: { latest: LATEST } }));
        write(`${stackFile()}.gz`, "gzip bytes");
        unreadable(/gzipped/);
        fs.rmSync(`${stackFile()}.gz`);
        fs.rmSync(stackFile());
        unreadable(/^no .*\/\.pulumi\/stacks\/papyrus\/dev\.json$/);
        assert.deepStrictEqual(readCheckpointFile(url(), "papyrus", "prod"), { unreadable: `no ${stackFile("papyrus", "prod")}` });
        // The legacy layout (no project directories) and a backend with no meta.yaml.
        write(path.join(dir, ".pulumi", "meta.yaml"), "version: 0\n");
        unreadable(/layout version 1/);
        fs.rmSync(path.join(dir, ".pulumi", "meta.yaml"));
        unreadable(/layout version 1/);
        unreadable(/not a plain file:\/\/ backend/, "s3://bucket/papyrus");
        unreadable(/not a plain file:\/\/ backend/, `${url()}?no_tmp_dir=true`);
    });
});

describe("fileBackendRoot", () => {
    it("is the directory of an absolute or home-relative file:// URL, and nothing else", () => {
        assert.strictEqual(fileBackendRoot("file:///var/state"), "/var/state");
        assert.strictEqual(fileBackendRoot("file://~/state"), path.join(os.homedir(), "state"));
        assert.strictEqual(fileBackendRoot("file://~"), os.homedir());
        assert.strictEqual(fileBackendRoot("file://relative/state"), undefined);
        assert.strictEqual(fileBackendRoot("file:///var/state?no_tmp_dir=true"), undefined);
        assert.strictEqual(fileBackendRoot("s3://bucket"), undefined);
        assert.strictEqual(fileBackendRoot("https://api.pulumi.com"), undefined);
    });
});
