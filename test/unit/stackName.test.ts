// A stack's canonical identity: every spelling of one stack gives one name (the lock's key).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { acquireLock, lockPath } from "../../automation/engine/lock";
import { isSelfManagedBackend, stackIdentity } from "../../automation/engine/stackName";

describe("stack identity", () => {
    it("gives one qualified name for every spelling on a self-managed backend", () => {
        for (const backend of ["file:///tmp/state", "s3://bucket/prefix", "gs://bucket", "azblob://container"]) {
            for (const spelling of ["dev", "papyrus/dev", "organization/papyrus/dev"]) {
                assert.strictEqual(stackIdentity(spelling, "papyrus", backend).qualified, "organization/papyrus/dev", `${spelling} on ${backend}`);
            }
        }
        assert.deepStrictEqual(stackIdentity("prod", "papyrus", "file:///x"), {
            qualified: "organization/papyrus/prod",
            organization: "organization",
            project: "papyrus",
            name: "prod",
        });
    });

    it("takes the project's name from the caller (Pulumi.yaml): another project's stacks are spelled with its name", () => {
        assert.deepStrictEqual(stackIdentity("orders/prod", "orders", "file:///x"), {
            qualified: "organization/orders/prod",
            organization: "organization",
            project: "orders",
            name: "prod",
        });
        assert.strictEqual(stackIdentity("acme/dev", "orders", "https://api.pulumi.com").qualified, "acme/orders/dev");
        assert.throws(
            () => stackIdentity("papyrus/dev", "orders", "file:///x"),
            /^InvalidInputError: `stackName` names project `papyrus`, but this is project `orders` \(Pulumi\.yaml\); use `dev` or `organization\/orders\/dev`, got `papyrus\/dev`$/,
        );
        assert.throws(() => stackIdentity("de v", "orders", "file:///x"), /or `organization\/orders\/dev`, got `de v`$/);
    });

    it("reads `org/stack` as Pulumi Cloud does, and a bare name as the logged-in user's", () => {
        assert.strictEqual(stackIdentity("acme/dev", "papyrus", "https://api.pulumi.com").qualified, "acme/papyrus/dev");
        assert.strictEqual(stackIdentity("dev", "papyrus", "https://api.pulumi.com", "alice").qualified, "alice/papyrus/dev");
        assert.throws(() => stackIdentity("dev", "papyrus", "https://api.pulumi.com"), /needs an organization on Pulumi Cloud/);
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
        for (const [input, message] of cases) assert.throws(() => stackIdentity(input, "papyrus", "file:///x"), message, input);
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
            const a = stackIdentity("dev", "papyrus", "file:///x").qualified;
            const b = stackIdentity("organization/papyrus/dev", "papyrus", "file:///x").qualified;
            assert.strictEqual(path.basename(lockPath(dir, a)), "organization+papyrus+dev.json");
            const held = acquireLock(dir, a, "alice");
            assert.throws(() => acquireLock(dir, b, "bob"), /stack `organization\/papyrus\/dev` is being deployed by alice/);
            held.release();
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
