// The config file each update gets (automation/record/updateConfig.ts): a copy of the
// checkout's Pulumi.<stack>.yaml with the driver's keys set, the checkout
// itself untouched. The engine side (history keeps these values) is proven in
// engine/plainUp.test.ts.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { readStackConfigValues, stackConfigPath, writeUpdateConfig } from "../../automation/record/updateConfig";

describe("the update's config file", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-update-config-test-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: papyrus\nruntime: nodejs\n");
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
        const file = writeUpdateConfig(dir, "dev", { image: "x", deployKind: "up" });
        assert.deepStrictEqual(yaml.load(fs.readFileSync(file.path, "utf8")), { config: { "papyrus:image": "x", "papyrus:deployKind": "up" } });
        file.remove();
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  papyrus:repositoryName: [unclosed\n");
        assert.throws(() => writeUpdateConfig(dir, "dev", {}), {
            message: /^`Pulumi\.dev\.yaml` is not a valid stack config file; fix it \(see `git diff`\) and try again, got `/,
        });
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "- a list\n");
        assert.throws(() => writeUpdateConfig(dir, "dev", {}), {
            message: "`Pulumi.dev.yaml` is not a valid stack config file (it must be a YAML mapping); fix it (see `git diff`) and try again, got `object`",
        });
    });
});

describe("the stack config the driver reads (readStackConfigValues)", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-stack-config-test-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const write = (project: string, stack: string) => {
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: papyrus\nruntime: nodejs\n${project}`);
        fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), stack);
    };

    it("takes Pulumi.yaml's project-level values as the engine does (the stack's file wins), plain strings only", () => {
        // kills: a driver that refused `papyrus:repositoryName` set in Pulumi.yaml, or took its own region from the environment instead of Pulumi.yaml's
        write(
            [
                "config:",
                "  repositoryName: from-project",
                "  promoteFrom: { type: string, default: dev }",
                "  aws:region: { value: eu-west-1 }",
                "  papyrus:replicas: 2",
                "  papyrus:structured: { value: { a: 1 } }",
                "",
            ].join("\n"),
            "config:\n  papyrus:replicas: 3\n  papyrus:token:\n    secure: v1:abc==\n",
        );
        assert.deepStrictEqual(readStackConfigValues(dir, "prod").values, {
            "papyrus:repositoryName": "from-project",
            "papyrus:promoteFrom": "dev",
            "aws:region": "eu-west-1",
            "papyrus:replicas": "3",
        });
    });

    // As written in the YAML file: `1` is a number there.
    const regions: [string, string][] = [
        ["1", "1"],
        ['"us-east-1 "', "us-east-1 "],
        ["US-EAST-1", "US-EAST-1"],
        ["useast1", "useast1"],
    ];
    for (const [given, shown] of regions) {
        it(`refuses aws:region ${given} by name instead of reporting AWS unreachable`, () => {
            write("", `config:\n  aws:region: ${given}\n`);
            assert.throws(() => readStackConfigValues(dir, "prod"), {
                message: `\`aws:region\` in Pulumi.prod.yaml (or Pulumi.yaml) must be an AWS region such as \`us-east-1\`, got \`${shown}\``,
            });
        });
    }

    it("refuses a secure aws:region by name: the driver's clients would ask the default region instead", () => {
        // kills: leaving a secure region out silently (ECR and ECS then asked in AWS_REGION or us-east-1)
        write("", "config:\n  aws:region:\n    secure: v1:abc==\n");
        assert.throws(() => readStackConfigValues(dir, "prod"), {
            message:
                "`aws:region` in Pulumi.prod.yaml is a secure value; the driver reaches ECR and ECS in that region, so set it in plain text " +
                "(`pulumi config set aws:region <region> -s prod`), got `(secret)`",
        });
    });

    it("reads the stack file where Pulumi.yaml's `stackConfigDir` puts it, and copies that one for the update", () => {
        // kills: reading (and copying) Pulumi.<stack>.yaml beside Pulumi.yaml when the engine reads it from stackConfigDir,
        // which would give the update a config without the stack's own keys
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: papyrus\nruntime: nodejs\nstackConfigDir: config\n");
        fs.mkdirSync(path.join(dir, "config"));
        fs.writeFileSync(path.join(dir, "config", "Pulumi.prod.yaml"), "encryptionsalt: v1:salt\nconfig:\n  papyrus:repositoryName: from-config-dir\n");
        fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), "config:\n  papyrus:repositoryName: the-wrong-file\n");
        assert.strictEqual(stackConfigPath(dir, "prod"), path.join(dir, "config", "Pulumi.prod.yaml"));
        assert.deepStrictEqual(readStackConfigValues(dir, "prod").values, { "papyrus:repositoryName": "from-config-dir" });
        const copy = writeUpdateConfig(dir, "prod", { image: "x" });
        try {
            assert.deepStrictEqual(yaml.load(fs.readFileSync(copy.path, "utf8")), {
                encryptionsalt: "v1:salt",
                config: { "papyrus:repositoryName": "from-config-dir", "papyrus:image": "x" },
            });
        } finally {
            copy.remove();
        }
    });

    it("takes every AWS region spelling (us-gov-west-1, us-isob-east-1, ap-southeast-7)", () => {
        for (const region of ["us-gov-west-1", "us-isob-east-1", "ap-southeast-7", "il-central-1"]) {
            write("", `config:\n  aws:region: ${region}\n`);
            assert.strictEqual(readStackConfigValues(dir, "prod").values["aws:region"], region);
        }
    });
});
