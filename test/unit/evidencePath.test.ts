// Where `--evidence` may write (automation/record/evidence.ts, `checkEvidencePath`): checked before anything
// runs, so a bad path never costs an update.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkEvidencePath } from "../../automation/record/evidenceFile";

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
