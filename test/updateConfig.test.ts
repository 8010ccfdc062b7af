// The config file each update gets (automation/updateConfig.ts): a copy of the
// checkout's Pulumi.<stack>.yaml with the driver's keys set, the checkout
// itself untouched. The engine side (history keeps these values) is proven in
// plainUp.integration.test.ts.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { writeUpdateConfig } from "../automation/updateConfig";

describe("the update's config file", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-update-config-test-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const CHECKOUT = [
        "# a comment",
        "encryptionsalt: v1:abc=:v1:def:ghi==",
        "config:",
        "  aws:region: eu-central-1",
        "  papyrus:repositoryName: papyrus-api",
        "  papyrus:token:",
        "    secure: v1:secret==",
        "  papyrus:github:",
        "    owner: acme",
        "    deploy: { environments: [prod] }",
        "  papyrus:image: stale@sha256:" + "0".repeat(64),
        "  papyrus:promotedFrom: stale",
        "",
    ].join("\n");

    it("keeps the salt, secrets and every other key, replaces the driver's keys, drops unset ones, and leaves the checkout as it was", () => {
        // kills: a copy that loses `encryptionsalt` (secrets unreadable) or keeps a stale driver key the update did not set
        fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), CHECKOUT);
        const file = writeUpdateConfig(dir, "prod", { image: "repo@sha256:" + "a".repeat(64), imageTag: "v1.0.0", deployedBy: "alice", deployKind: "deploy" });
        try {
            assert.strictEqual(path.basename(file.path), "Pulumi.prod.yaml");
            assert.notStrictEqual(path.dirname(file.path), dir);
            assert.strictEqual(fs.statSync(file.path).mode & 0o777, 0o600);
            assert.deepStrictEqual(yaml.load(fs.readFileSync(file.path, "utf8")), {
                encryptionsalt: "v1:abc=:v1:def:ghi==",
                config: {
                    "aws:region": "eu-central-1",
                    "papyrus:repositoryName": "papyrus-api",
                    "papyrus:token": { secure: "v1:secret==" },
                    "papyrus:github": { owner: "acme", deploy: { environments: ["prod"] } },
                    "papyrus:image": "repo@sha256:" + "a".repeat(64),
                    "papyrus:imageTag": "v1.0.0",
                    "papyrus:deployedBy": "alice",
                    "papyrus:deployKind": "deploy",
                },
            });
            assert.strictEqual(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8"), CHECKOUT);
        } finally {
            file.remove();
        }
        assert.strictEqual(fs.existsSync(path.dirname(file.path)), false, "removed with its directory");
        file.remove(); // twice is fine
    });

    it("works without a stack file, and refuses one that is not YAML with the file named", () => {
        const file = writeUpdateConfig(dir, "dev", { image: "x", deployKind: "infra" });
        assert.deepStrictEqual(yaml.load(fs.readFileSync(file.path, "utf8")), { config: { "papyrus:image": "x", "papyrus:deployKind": "infra" } });
        file.remove();
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  papyrus:repositoryName: [unclosed\n");
        assert.throws(() => writeUpdateConfig(dir, "dev", {}), { message: /^`Pulumi\.dev\.yaml` is not a valid stack config file; fix it \(see `git diff`\) and try again, got `/ });
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "- a list\n");
        assert.throws(() => writeUpdateConfig(dir, "dev", {}), { message: "`Pulumi.dev.yaml` is not a valid stack config file (it must be a YAML mapping); fix it (see `git diff`) and try again, got `object`" });
    });
});
