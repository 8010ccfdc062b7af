// A stack's canonical identity: every spelling of one stack gives one name (the lock's key).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkEvidencePath } from "../automation/evidence";
import { acquireLock, lockPath } from "../automation/lock";
import { isSelfManagedBackend, stackIdentity } from "../automation/stackName";

describe("stack identity", () => {
    it("gives one qualified name for every spelling on a self-managed backend", () => {
        for (const backend of ["file:///tmp/state", "s3://bucket/prefix", "gs://bucket", "azblob://container"]) {
            for (const spelling of ["dev", "papyrus/dev", "organization/papyrus/dev"]) {
                assert.strictEqual(stackIdentity(spelling, backend).qualified, "organization/papyrus/dev", `${spelling} on ${backend}`);
            }
        }
        assert.deepStrictEqual(stackIdentity("prod", "file:///x"), {
            qualified: "organization/papyrus/prod",
            organization: "organization",
            project: "papyrus",
            name: "prod",
        });
    });

    it("reads `org/stack` as Pulumi Cloud does, and a bare name as the logged-in user's", () => {
        assert.strictEqual(stackIdentity("acme/dev", "https://api.pulumi.com").qualified, "acme/papyrus/dev");
        assert.strictEqual(stackIdentity("dev", "https://api.pulumi.com", "alice").qualified, "alice/papyrus/dev");
        assert.throws(() => stackIdentity("dev", "https://api.pulumi.com"), /needs an organization on Pulumi Cloud/);
    });

    it("refuses names that are paths, have spaces, or belong to another project or organization", () => {
        const cases: [string, RegExp][] = [
            ["../x", /`stackName` must not contain `\.` or `\.\.` as a part: it is a stack name, not a path, got `\.\.\/x`$/],
            [".", /must not contain `\.` or `\.\.`/],
            ["de v", /`stackName` must be a stack name \(letters, digits, `-`, `_`, `\.`; e\.g\. `dev`\) or `organization\/papyrus\/dev`, got `de v`$/],
            ["", /must be a stack name/],
            ["a/b/c/d", /must be a stack name/],
            ["dev/", /must be a stack name/],
            ["other/dev", /names project `other`, but this is project `papyrus` \(Pulumi\.yaml\); use `dev` or `organization\/papyrus\/dev`/],
            ["acme/papyrus/dev", /names organization `acme`, but a self-managed backend has only `organization`; use `dev`/],
        ];
        for (const [input, message] of cases) assert.throws(() => stackIdentity(input, "file:///x"), message, input);
    });

    it("tells a self-managed backend by its URL's scheme alone", () => {
        // A Pulumi Cloud (or self-hosted service) URL that mentions a bucket further on is still a service.
        // kills: the `^` of the scheme pattern dropped
        assert.strictEqual(isSelfManagedBackend("s3://acme-pulumi-state/papyrus"), true);
        assert.strictEqual(isSelfManagedBackend("https://pulumi.acme.example/proxy/s3://acme-pulumi-state"), false);
    });

    it("keys the driver's lock on the qualified name, so two spellings cannot both hold it", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-lock-"));
        try {
            const a = stackIdentity("dev", "file:///x").qualified;
            const b = stackIdentity("organization/papyrus/dev", "file:///x").qualified;
            assert.strictEqual(path.basename(lockPath(dir, a)), "organization+papyrus+dev.json");
            const held = acquireLock(dir, a, "alice");
            assert.throws(() => acquireLock(dir, b, "bob"), /stack `organization\/papyrus\/dev` is being deployed by alice/);
            held.release();
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("evidence path", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-evidence-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("accepts a new file (making its directory) and an earlier evidence record", () => {
        assert.strictEqual(checkEvidencePath(path.join(dir, "new", "e.json"), dir), path.join(dir, "new", "e.json"));
        assert.ok(fs.statSync(path.join(dir, "new")).isDirectory());
        assert.deepStrictEqual(fs.readdirSync(path.join(dir, "new")), [], "the write probe is removed");
        fs.writeFileSync(path.join(dir, "old.json"), JSON.stringify({ schema: "papyrus.deploy-evidence/v1" }));
        assert.strictEqual(checkEvidencePath(path.join(dir, "old.json"), dir), path.join(dir, "old.json"));
    });

    it("refuses a directory, the project's own files, any other existing file and an unwritable place", () => {
        for (const own of ["Pulumi.yaml", "Pulumi.prod.yaml", "package.json", "index.ts"]) fs.writeFileSync(path.join(dir, own), "x");
        fs.writeFileSync(path.join(dir, "notes.txt"), "keep me");
        const cases: [string, RegExp][] = [
            [dir, /`evidenceFile` is a directory; name a file inside it, e\.g\. `evidence\/deploy\.json`, got `/],
            [`${path.join(dir, "sub")}${path.sep}`, /is a directory/],
            [path.join(dir, "Pulumi.prod.yaml"), /`evidenceFile` is one of the project's own files; write evidence elsewhere/],
            [path.join(dir, "Pulumi.yaml"), /is one of the project's own files/],
            [path.join(dir, "package.json"), /is one of the project's own files/],
            [path.join(dir, "notes.txt"), /exists and is not an evidence record; it would be overwritten/],
            [path.join(dir, "notes.txt", "e.json"), /cannot be written \((ENOTDIR|EEXIST)/],
            ["", /must name a file .* and is empty/],
        ];
        for (const [file, message] of cases) assert.throws(() => checkEvidencePath(file, dir), message, file);
        assert.strictEqual(fs.readFileSync(path.join(dir, "notes.txt"), "utf8"), "keep me");
    });

    it("sees through symlinks to the project, and keeps out of `.pulumi-state` and `-`", () => {
        const link = path.join(os.tmpdir(), `papyrus-link-${process.pid}`);
        fs.symlinkSync(dir, link);
        try {
            // A new Pulumi.<stack>.yaml written through a link into the project would be taken for stack config.
            assert.throws(() => checkEvidencePath(path.join(link, "Pulumi.staging.yaml"), dir), /is one of the project's own files/);
            assert.throws(
                () => checkEvidencePath(path.join(link, ".pulumi-state", "driver-locks", "organization+papyrus+dev.json"), dir),
                /is inside `\.pulumi-state\/`, which holds the stack state and the driver's locks/,
            );
            assert.throws(() => checkEvidencePath("-", dir), /must name a file; to print the record, use `--json` instead/);
            assert.strictEqual(checkEvidencePath(path.join(link, "evidence", "e.json"), dir), path.join(link, "evidence", "e.json"));
        } finally {
            fs.rmSync(link);
        }
    });
});
