// The checkpoint read straight from a file:// backend, and every doubt that sends the driver to
// `pulumi stack export` instead. test/engine/realEngine.test.ts proves the file's record equals
// what `stack export` prints for a real engine's stack.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fileBackendRoot, readCheckpointFile, SECRET_SIGNATURE } from "../../automation/engine/checkpointFile";

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
        // A file the engine reads by its content (gzip or zstd, whatever its name) is the CLI's too.
        fs.writeFileSync(stackFile(), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x20]));
        unreadable(/is compressed/);
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
    it("answers `corrupt`, naming the file, for a checkpoint the engine could not read either: truncated, empty, or of another shape", () => {
        // The CLI is not asked: its `stack export` would fail with "failed to load checkpoint" (truncated,
        // `resources: {}`) or, for `resources: [null]`, print a resource with no urn and no type.
        const corrupt = (text: string, expected: string | RegExp) => {
            write(stackFile(), text);
            const read = readCheckpointFile(url(), "papyrus", "dev");
            assert.ok("corrupt" in read, JSON.stringify(read));
            assert.strictEqual(read.file, stackFile());
            if (typeof expected === "string") assert.strictEqual(read.corrupt, expected);
            else assert.match(read.corrupt, expected);
        };
        const good = JSON.stringify({ version: 3, checkpoint: { latest: LATEST } });
        // The parser's own words differ between Node.js versions.
        corrupt(good.slice(0, 100), /^is not JSON \(.+; truncated\?\)$/);
        corrupt(good.slice(0, 30), /^is not JSON \(.+; truncated\?\)$/);
        corrupt("", "is empty");
        corrupt(" \n", "is empty");
        const latest = (value: unknown) => JSON.stringify({ version: 3, checkpoint: { latest: value } });
        corrupt(latest({ resources: {} }), "holds an object as `checkpoint.latest.resources`, which must be a list");
        corrupt(latest({ resources: [null] }), "holds `null` as `checkpoint.latest.resources[0]`, which must be an object");
        corrupt(latest("x"), 'holds a string (`"x"`) where the checkpoint (an object) goes (`checkpoint.latest`)');
        assert.deepStrictEqual(readCheckpointFile(url(), "papyrus", "prod"), { unreadable: `no ${stackFile("papyrus", "prod")}` });
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
