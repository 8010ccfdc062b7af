// The image guards against moto's real ECR API on 127.0.0.1, without the engine:
// protective tags (automation/aws/protect.ts), the scan gate (scanGate.ts) and the restore
// of an archived image (restore.ts). What moto does with the calls they make is recorded
// first ("moto records: …"), next to what ECR documents where the two differ. moto has no
// image archiving: testkit/archivingProxy.ts plays it, and says how.
import * as assert from "assert";
import {
    BatchDeleteImageCommand,
    CreateRepositoryCommand,
    DescribeImagesCommand,
    ECRClient,
    GetLifecyclePolicyCommand,
    ImageAlreadyExistsException,
    ListImagesCommand,
    PutImageCommand,
    PutLifecyclePolicyCommand,
    StartImageScanCommand,
    UpdateImageStorageClassCommand,
} from "@aws-sdk/client-ecr";
import { describeDigest } from "../../automation/aws/ecr";
import { EXIT_CODES, ImageArchivedError, InterruptedError, RollbackTargetGoneError } from "../../automation/record/errors";
import { protectDeployments } from "../../automation/aws/protect";
import { ArchivedTargetError, restoreArchivedImage, restoreRollbackTarget, RestoreTimeoutError } from "../../automation/aws/restore";
import { checkScanGate, ScanFindingsError, ScanGateArgs } from "../../automation/aws/scanGate";
import { repositoryLifecyclePolicy } from "../../components/repositoryLifecycle";
import { ArchivingProxy, startArchivingProxy } from "../../testkit/archivingProxy";
import { imageManifest, OCI_MANIFEST, pushImage, PushedImage } from "../../testkit/images";
import { sharedMoto, SharedMoto, TEST_REGION } from "../../testkit/moto";
import { startMotoProxy } from "../../testkit/motoProxy";

const REPO = "papyrus-api";
const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
/** The repository as ImmutableRepository makes it: release tags fixed, protective tags movable. */
const AS_THE_COMPONENT_MAKES_IT = {
    imageTagMutability: "IMMUTABLE_WITH_EXCLUSION" as const,
    imageTagMutabilityExclusionFilters: [{ filter: "deployed-*", filterType: "WILDCARD" as const }],
};

/** A scan answer moto returns once it is configured through its API (moto's documented way to set findings). */
async function setScanFindings(moto: SharedMoto, digest: string, status: string, counts?: Record<string, number>): Promise<void> {
    const result = {
        registryId: "123456789012",
        repositoryName: REPO,
        imageId: { imageDigest: digest },
        imageScanStatus: { status, description: `set by the test: ${status}` },
        ...(counts ? { imageScanFindings: { findingSeverityCounts: counts, imageScanCompletedAt: 1_795_000_000, findings: [] } } : {}),
    };
    const res = await fetch(`${moto.endpoint}/moto-api/static/ecr/scan-finding-results`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ results: [result], region: TEST_REGION }),
    });
    assert.ok(res.ok, `moto-api: ${res.status}`);
}

describe("image guards against moto's ECR (127.0.0.1)", function () {
    this.timeout(60_000);
    let moto: SharedMoto;
    let ecr: ECRClient;
    const clients: ECRClient[] = [];
    const client = (endpoint: string) => {
        const c = new ECRClient({ region: TEST_REGION, endpoint, credentials: CREDENTIALS });
        clients.push(c);
        return c;
    };
    let v1: PushedImage;
    let v2: PushedImage;
    let v3: PushedImage;
    const tagsOf = async (digest: string) =>
        (await ecr.send(new DescribeImagesCommand({ repositoryName: REPO, imageIds: [{ imageDigest: digest }] }))).imageDetails?.[0].imageTags ?? [];

    before(async () => {
        moto = await sharedMoto();
        ecr = client(moto.endpoint);
    });
    after(async () => {
        clients.forEach((c) => c.destroy());
        await moto?.release();
    });
    beforeEach(async () => {
        await moto.reset();
        await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO, ...AS_THE_COMPONENT_MAKES_IT }));
        [v1, v2, v3] = [await pushImage(ecr, REPO, "v1.0.0"), await pushImage(ecr, REPO, "v2.0.0"), await pushImage(ecr, REPO, "v3.0.0")];
    });

    describe("moto records", () => {
        it("moto records: PutImage of a manifest that is there adds a tag, in IMMUTABLE repositories too; a tag that is there cannot move", async () => {
            await ecr.send(new CreateRepositoryCommand({ repositoryName: "immutable", imageTagMutability: "IMMUTABLE" }));
            const image = await pushImage(ecr, "immutable", "v1.0.0");
            await pushImage(ecr, "immutable", "v2.0.0");
            const out = await ecr.send(
                new PutImageCommand({
                    repositoryName: "immutable",
                    imageTag: "deployed-dev-slot1",
                    imageManifest: imageManifest("v1.0.0"),
                    imageManifestMediaType: OCI_MANIFEST,
                }),
            );
            assert.strictEqual(out.image?.imageId?.imageDigest, image.digest, "the same manifest, the same digest");
            // ECR answers ImageTagAlreadyExistsException here; moto ImageAlreadyExistsException (protect.ts takes both).
            await assert.rejects(
                ecr.send(
                    new PutImageCommand({
                        repositoryName: "immutable",
                        imageTag: "deployed-dev-slot1",
                        imageManifest: imageManifest("v2.0.0"),
                        imageManifestMediaType: OCI_MANIFEST,
                    }),
                ),
                (err: unknown) => err instanceof ImageAlreadyExistsException,
            );
        });

        it("moto records: with `deployed-*` excluded, a protective tag moves and a release tag still cannot", async () => {
            await ecr.send(
                new PutImageCommand({
                    repositoryName: REPO,
                    imageTag: "deployed-dev-slot1",
                    imageManifest: imageManifest("v1.0.0"),
                    imageManifestMediaType: OCI_MANIFEST,
                }),
            );
            await ecr.send(
                new PutImageCommand({
                    repositoryName: REPO,
                    imageTag: "deployed-dev-slot1",
                    imageManifest: imageManifest("v2.0.0"),
                    imageManifestMediaType: OCI_MANIFEST,
                }),
            );
            assert.deepStrictEqual([await tagsOf(v1.digest), await tagsOf(v2.digest)], [["v1.0.0"], ["v2.0.0", "deployed-dev-slot1"]]);
            await assert.rejects(
                ecr.send(
                    new PutImageCommand({
                        repositoryName: REPO,
                        imageTag: "v1.0.0",
                        imageManifest: imageManifest("v3.0.0"),
                        imageManifestMediaType: OCI_MANIFEST,
                    }),
                ),
                (err: unknown) => err instanceof ImageAlreadyExistsException,
            );
        });

        it("moto records: moving a tag off an image whose only tag it was deletes that image (ECR leaves it untagged, for the untagged rule)", async () => {
            const lonely = await pushImage(ecr, REPO, "deployed-dev-slot9", imageManifest("only-slot"));
            await ecr.send(
                new PutImageCommand({
                    repositoryName: REPO,
                    imageTag: "deployed-dev-slot9",
                    imageManifest: imageManifest("v3.0.0"),
                    imageManifestMediaType: OCI_MANIFEST,
                }),
            );
            await assert.rejects(ecr.send(new DescribeImagesCommand({ repositoryName: REPO, imageIds: [{ imageDigest: lonely.digest }] })), {
                name: "ImageNotFoundException",
            });
        });

        it("moto records: BatchDeleteImage of a tag removes only the tag when the image has another, and the image with its last tag (as ECR documents)", async () => {
            // Why protect.ts moves slots instead of deleting tags: a delete permission could remove images.
            await ecr.send(
                new PutImageCommand({
                    repositoryName: REPO,
                    imageTag: "deployed-dev-slot1",
                    imageManifest: imageManifest("v1.0.0"),
                    imageManifestMediaType: OCI_MANIFEST,
                }),
            );
            await ecr.send(new BatchDeleteImageCommand({ repositoryName: REPO, imageIds: [{ imageTag: "deployed-dev-slot1" }] }));
            assert.deepStrictEqual(await tagsOf(v1.digest), ["v1.0.0"]);
            await ecr.send(new BatchDeleteImageCommand({ repositoryName: REPO, imageIds: [{ imageTag: "v1.0.0" }] }));
            await assert.rejects(ecr.send(new DescribeImagesCommand({ repositoryName: REPO, imageIds: [{ imageDigest: v1.digest }] })), {
                name: "ImageNotFoundException",
            });
        });

        it("moto records: ListImages of tagged images lists one entry per tag", async () => {
            await ecr.send(
                new PutImageCommand({
                    repositoryName: REPO,
                    imageTag: "deployed-dev-slot1",
                    imageManifest: imageManifest("v1.0.0"),
                    imageManifestMediaType: OCI_MANIFEST,
                }),
            );
            const listed = (await ecr.send(new ListImagesCommand({ repositoryName: REPO, filter: { tagStatus: "TAGGED" } }))).imageIds ?? [];
            assert.deepStrictEqual(
                listed
                    .filter((id) => id.imageDigest === v1.digest)
                    .map((id) => id.imageTag)
                    .sort(),
                ["deployed-dev-slot1", "v1.0.0"],
            );
        });

        it("moto records: the lifecycle policy is stored as given (its shape checked) and never applied", async () => {
            const text = JSON.stringify(repositoryLifecyclePolicy(14, { keepNewest: 1 }));
            await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: REPO, lifecyclePolicyText: text }));
            assert.strictEqual((await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: REPO }))).lifecyclePolicyText, text);
            // keepNewest 1 would expire v1 and v2 in ECR (test/unit/repositoryLifecycle.test.ts); moto keeps all three.
            assert.strictEqual((await ecr.send(new DescribeImagesCommand({ repositoryName: REPO }))).imageDetails?.length, 3);
        });

        it("moto records: no scan without StartImageScan (ScanNotFoundException), then one fixed HIGH finding unless configured", async () => {
            const gate = (digest: string) => checkScanGate({ ...gateArgs(digest), settings: { threshold: "HIGH", waitMs: 0, required: true } });
            await assert.rejects(gate(v1.digest), (err: unknown) => err instanceof ScanFindingsError && /it has no scan/.test(err.message));
            await ecr.send(new StartImageScanCommand({ repositoryName: REPO, imageId: { imageDigest: v1.digest } }));
            await assert.rejects(gate(v1.digest), (err: unknown) => err instanceof ScanFindingsError && /its scan found 1 HIGH/.test(err.message));
        });

        it("moto records: UpdateImageStorageClass is not implemented (HTTP 500 with an HTML page)", async () => {
            await assert.rejects(
                ecr.send(new UpdateImageStorageClassCommand({ repositoryName: REPO, imageId: { imageDigest: v1.digest }, targetStorageClass: "STANDARD" })),
                (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 500,
            );
        });
    });

    describe("protectDeployments", () => {
        it("tags the wanted digests, moves the slot of a digest that fell out, and deletes nothing", async () => {
            // kills: a release that deletes the tag (or the image), a slot plan ignored, a stale slot left
            const first = await protectDeployments({ ecr, repositoryName: REPO, stack: "dev", wanted: [v2.digest, v1.digest], keep: 2 });
            assert.deepStrictEqual(
                [first.protected, first.released, first.problems],
                [{ "deployed-dev-slot1": v2.digest, "deployed-dev-slot2": v1.digest }, [], undefined],
            );
            const second = await protectDeployments({ ecr, repositoryName: REPO, stack: "dev", wanted: [v3.digest, v2.digest], keep: 2 });
            assert.deepStrictEqual(second.moved, [{ slot: 2, tag: "deployed-dev-slot2", digest: v3.digest, from: v1.digest }]);
            assert.deepStrictEqual([second.protected, second.released], [{ "deployed-dev-slot1": v2.digest, "deployed-dev-slot2": v3.digest }, [v1.digest]]);
            assert.deepStrictEqual(
                [await tagsOf(v1.digest), await tagsOf(v2.digest), await tagsOf(v3.digest)],
                [["v1.0.0"], ["v2.0.0", "deployed-dev-slot1"], ["v3.0.0", "deployed-dev-slot2"]],
            );
        });

        it("leaves another stack's slots alone in a shared repository", async () => {
            await protectDeployments({ ecr, repositoryName: REPO, stack: "qa", wanted: [v1.digest], keep: 1 });
            const dev = await protectDeployments({ ecr, repositoryName: REPO, stack: "dev", wanted: [v2.digest], keep: 1 });
            assert.deepStrictEqual([dev.protected, dev.released], [{ "deployed-dev-slot1": v2.digest }, []]);
            assert.deepStrictEqual(await tagsOf(v1.digest), ["v1.0.0", "deployed-qa-slot1"]);
        });

        it("reports, without throwing, a repository that does not let its slots move and a digest that is gone", async () => {
            await ecr.send(new CreateRepositoryCommand({ repositoryName: "old-style", imageTagMutability: "IMMUTABLE" }));
            const [a, b] = [await pushImage(ecr, "old-style", "v1.0.0"), await pushImage(ecr, "old-style", "v2.0.0")];
            await protectDeployments({ ecr, repositoryName: "old-style", stack: "dev", wanted: [a.digest], keep: 1 });
            const note = await protectDeployments({ ecr, repositoryName: "old-style", stack: "dev", wanted: [b.digest], keep: 1 });
            assert.deepStrictEqual(note.problems, [
                `\`old-style\` refused to move \`deployed-dev-slot1\` to ${b.digest} (ImageAlreadyExistsException): its tag mutability does not exclude \`deployed-*\`; ` +
                    "apply the stack once (`papyrus-deploy up --stack dev`) so the repository takes ImmutableRepository's settings",
            ]);
            assert.deepStrictEqual(note.protected, { "deployed-dev-slot1": a.digest }, "what the repository really has");
            const gone = "sha256:" + "0".repeat(64);
            const missing = await protectDeployments({ ecr, repositoryName: REPO, stack: "dev", wanted: [gone], keep: 1 });
            assert.deepStrictEqual(missing.problems, [`${gone} could not be protected: it is not in \`${REPO}\` any more (deleted or expired)`]);
        });
    });

    const gateArgs = (digest: string, extra: Partial<ScanGateArgs> = {}): ScanGateArgs => ({
        ecr,
        project: "papyrus",
        repositoryName: REPO,
        digest,
        stack: "dev",
        settings: { threshold: "CRITICAL", waitMs: 0, required: false },
        requestedBy: "alice",
        command: "papyrus-deploy deploy --stack dev --tag v1.0.0",
        ...extra,
    });

    describe("checkScanGate", () => {
        it("refuses findings at or above the threshold with exit 11, naming them and the command with --accept-findings", async () => {
            await ecr.send(new StartImageScanCommand({ repositoryName: REPO, imageId: { imageDigest: v1.digest } }));
            await setScanFindings(moto, v1.digest, "COMPLETE", { CRITICAL: 2, HIGH: 1, LOW: 3 });
            await assert.rejects(checkScanGate(gateArgs(v1.digest)), (err: unknown) => {
                assert.ok(err instanceof ScanFindingsError, String(err));
                assert.strictEqual(err.exitCode, EXIT_CODES.scanFindings);
                assert.strictEqual(
                    err.message,
                    `${v1.digest} is not deployed to stack \`dev\`: its scan found 2 CRITICAL (at or above the stack's threshold CRITICAL, ` +
                        "`papyrus:scanThreshold`; all findings: 2 CRITICAL, 1 HIGH, 3 LOW); nothing was changed. Deploy a fixed build, or, if the risk is understood, " +
                        'run `papyrus-deploy deploy --stack dev --tag v1.0.0 --accept-findings "<why>"` (the reason and the counts go into the evidence)',
                );
                return true;
            });
            const accepted = await checkScanGate(gateArgs(v1.digest, { acceptReason: "CVE-1: not reachable" }));
            assert.deepStrictEqual(accepted, {
                threshold: "CRITICAL",
                status: "COMPLETE",
                counts: { CRITICAL: 2, HIGH: 1, LOW: 3 },
                completedAt: new Date(1_795_000_000_000).toISOString(),
                decision: "accepted",
                accepted: { reason: "CVE-1: not reachable", by: "alice" },
            });
        });

        it("passes findings below the threshold, and reads nothing when the gate is off", async () => {
            await ecr.send(new StartImageScanCommand({ repositoryName: REPO, imageId: { imageDigest: v1.digest } }));
            const passed = await checkScanGate(gateArgs(v1.digest));
            assert.deepStrictEqual([passed.decision, passed.counts], ["passed", { HIGH: 1 }]);
            assert.deepStrictEqual(await checkScanGate(gateArgs(v2.digest, { settings: { threshold: "off", waitMs: 0, required: true } })), {
                threshold: "off",
                decision: "off",
            });
        });

        it("deploys a digest with no scan with a warning, and refuses it when scans are required", async () => {
            const lines: string[] = [];
            const note = await checkScanGate(gateArgs(v2.digest, { onProgress: (l) => lines.push(l) }));
            assert.deepStrictEqual(note, { threshold: "CRITICAL", status: "NOT_FOUND", decision: "unavailable" });
            assert.deepStrictEqual(lines, [
                `warning: no scan findings for ${v2.digest}: it has no scan (scan on push was off when it was pushed, or it was never scanned); ` +
                    "deploying without the gate (`papyrus:scanRequired: true` refuses this)\n",
            ]);
            await assert.rejects(checkScanGate(gateArgs(v2.digest, { settings: { threshold: "CRITICAL", waitMs: 0, required: true } })), {
                name: "ScanFindingsError",
                message: new RegExp(
                    `it has no scan .*, and \`papyrus:scanRequired\` is true; start one with \`aws ecr start-image-scan --repository-name ${REPO} --image-id imageDigest=${v2.digest}\``,
                ),
            });
        });

        it("waits for a running scan with progress lines, and refuses one still running after the wait", async () => {
            // moto's configured answer stays IN_PROGRESS; a proxy turns the first two answers of a
            // completed scan into IN_PROGRESS, as a scan that ends while the gate waits looks.
            await ecr.send(new StartImageScanCommand({ repositoryName: REPO, imageId: { imageDigest: v3.digest } }));
            await setScanFindings(moto, v3.digest, "IN_PROGRESS");
            await assert.rejects(checkScanGate(gateArgs(v3.digest, { settings: { threshold: "CRITICAL", waitMs: 300, required: false }, pollMs: 100 })), {
                name: "ScanFindingsError",
                message: /its scan is still IN_PROGRESS after waiting 0s \(`papyrus:scanWait`\), so its findings are unknown/,
            });

            await ecr.send(new StartImageScanCommand({ repositoryName: REPO, imageId: { imageDigest: v1.digest } }));
            let running = 2;
            const proxy = await startMotoProxy(moto.endpoint, {
                rewrite(operation, answer) {
                    if (operation !== "DescribeImageScanFindings" || running-- <= 0) return answer;
                    return { ...answer, imageScanStatus: { status: "IN_PROGRESS" }, imageScanFindings: undefined };
                },
            });
            try {
                const lines: string[] = [];
                const note = await checkScanGate(
                    gateArgs(v1.digest, {
                        ecr: client(proxy.endpoint),
                        settings: { threshold: "CRITICAL", waitMs: 5_000, required: false },
                        pollMs: 100,
                        progressMs: 0,
                        onProgress: (l) => lines.push(l),
                    }),
                );
                assert.deepStrictEqual([note.decision, note.status, note.counts], ["passed", "COMPLETE", { HIGH: 1 }]);
                assert.ok((note.waitedMs ?? 0) >= 200, `waited ${note.waitedMs} ms`);
                assert.strictEqual(lines.length, 2);
                assert.match(lines[0], new RegExp(`^waiting for the scan of ${v1.digest} in \`papyrus-api\` \\(IN_PROGRESS\\): 0s of 5s\\n$`));
            } finally {
                await proxy.close();
            }
        });

        it("stops waiting at once when interrupted", async () => {
            await ecr.send(new StartImageScanCommand({ repositoryName: REPO, imageId: { imageDigest: v3.digest } }));
            await setScanFindings(moto, v3.digest, "IN_PROGRESS");
            const abort = new AbortController();
            setTimeout(() => abort.abort(), 200);
            const started = Date.now();
            await assert.rejects(
                checkScanGate(gateArgs(v3.digest, { settings: { threshold: "CRITICAL", waitMs: 60_000, required: false }, signal: abort.signal })),
                (err: unknown) => err instanceof InterruptedError && /waiting for the image's scan; nothing was changed/.test(err.message),
            );
            assert.ok(Date.now() - started < 5_000);
        });
    });

    describe("restoring an archived image (through testkit/archivingProxy.ts: moto has no archiving)", () => {
        let proxy: ArchivingProxy;
        let proxied: ECRClient;
        afterEach(async () => proxy?.close());
        const archivedError = async (digest: string) =>
            describeDigest(proxied, REPO, digest).then(
                () => assert.fail("not archived"),
                (e: ImageArchivedError) => e,
            );

        it("without --restore: exit 3 with how long a restore takes and the exact command", async () => {
            proxy = await startArchivingProxy(moto.endpoint);
            proxied = client(proxy.endpoint);
            proxy.archived.add(v1.digest);
            await assert.rejects(
                restoreRollbackTarget(await archivedError(v1.digest), { ecr: proxied, stack: "dev", version: 1, restore: false }),
                (err: unknown) => {
                    assert.ok(err instanceof ArchivedTargetError);
                    assert.strictEqual(err.exitCode, EXIT_CODES.imageUnavailable);
                    assert.strictEqual(
                        err.message,
                        `rollback target (update 1, ${v1.digest}) is ARCHIVED in \`${REPO}\` and cannot be pulled by ECS; nothing was changed. ` +
                            "ECR restores an archived image typically within 20 minutes; restore it and roll back in one step with: `papyrus-deploy rollback --stack dev --to-version 1 --restore`",
                    );
                    return true;
                },
            );
            assert.deepStrictEqual(proxy.storageClassRequests, [], "nothing was asked of ECR");
        });

        it("with --restore: asks ECR once for STANDARD, waits through ACTIVATING with progress, and returns the active image", async () => {
            proxy = await startArchivingProxy(moto.endpoint, 3);
            proxied = client(proxy.endpoint);
            proxy.archived.add(v1.digest);
            const lines: string[] = [];
            const { resolved, note } = await restoreArchivedImage({
                ecr: proxied,
                repositoryName: REPO,
                digest: v1.digest,
                status: "ARCHIVED",
                stack: "dev",
                command: "c",
                pollMs: 50,
                onProgress: (l) => lines.push(l),
            });
            assert.deepStrictEqual([resolved.digest, resolved.status], [v1.digest, "ACTIVE"]);
            assert.deepStrictEqual(proxy.storageClassRequests, [{ repositoryName: REPO, imageId: { imageDigest: v1.digest }, targetStorageClass: "STANDARD" }]);
            assert.deepStrictEqual([note.found, note.requested], ["ARCHIVED", true]);
            assert.match(
                lines[0],
                new RegExp(
                    `^asked ECR to restore ${v1.digest} in \`${REPO}\` \\(now ACTIVATING\\); ECR restores typically within 20 minutes; waiting up to 30m0s\\n$`,
                ),
            );
            assert.ok(
                lines.slice(1).every((l) => new RegExp(`^restoring ${v1.digest} in \`${REPO}\`: ACTIVATING, \\d+s of 30m0s\\n$`).test(l)),
                lines.join(""),
            );
        });

        it("an image deleted while ECR restores it: exit 3 naming the rollback target (update, digest) and that it vanished during the restore", async () => {
            // kills: the restore's poll passing on ImageNotFoundError ("`digest` names no image … push it first": no flag, no target)
            proxy = await startArchivingProxy(moto.endpoint, Infinity);
            proxied = client(proxy.endpoint);
            proxy.archived.add(v1.digest);
            const lines: string[] = [];
            const restoring = restoreRollbackTarget(await archivedError(v1.digest), {
                ecr: proxied,
                stack: "dev",
                version: 4,
                restore: true,
                pollMs: 50,
                onProgress: (line) => {
                    lines.push(line);
                    // Someone deletes it as soon as the restore is asked for (a cleanup job, an expiry).
                    if (lines.length === 1) void ecr.send(new BatchDeleteImageCommand({ repositoryName: REPO, imageIds: [{ imageDigest: v1.digest }] }));
                },
            });
            await assert.rejects(restoring, (err: unknown) => {
                assert.ok(err instanceof RollbackTargetGoneError, String(err));
                assert.strictEqual(err.exitCode, EXIT_CODES.imageUnavailable);
                assert.strictEqual(
                    err.message,
                    `rollback target (update 4, ${v1.digest}) vanished during its restore (it was deleted while ECR restored it) in \`${REPO}\`; nothing was changed. ` +
                        "Pick another target with `--to-version` (see `history`), or re-push that build",
                );
                return true;
            });
            assert.strictEqual(proxy.storageClassRequests.length, 1, "the restore was asked for");
        });

        it("times out with exit 3 and the command to run again, which waits without asking ECR a second time", async () => {
            proxy = await startArchivingProxy(moto.endpoint, Infinity);
            proxied = client(proxy.endpoint);
            proxy.archived.add(v1.digest);
            const command = "papyrus-deploy rollback --stack dev --to-version 1 --restore";
            await assert.rejects(
                restoreArchivedImage({
                    ecr: proxied,
                    repositoryName: REPO,
                    digest: v1.digest,
                    status: "ARCHIVED",
                    stack: "dev",
                    command,
                    waitMs: 200,
                    pollMs: 50,
                }),
                (err: unknown) => {
                    assert.ok(err instanceof RestoreTimeoutError);
                    assert.strictEqual(err.exitCode, EXIT_CODES.imageUnavailable);
                    assert.strictEqual(
                        err.message,
                        `${v1.digest} in \`${REPO}\` is still ACTIVATING after waiting 0s; nothing was deployed. The restore goes on in ECR ` +
                            `(typically within 20 minutes): run \`${command}\` again later, which waits for it without asking again`,
                    );
                    return true;
                },
            );
            proxy.activating.set(v1.digest, 1); // the restore ends in ECR meanwhile
            const again = await restoreRollbackTarget(await archivedError(v1.digest), { ecr: proxied, stack: "dev", version: 1, restore: true, pollMs: 50 });
            assert.deepStrictEqual([again.resolved.status, again.note.found, again.note.requested], ["ACTIVE", "ACTIVATING", false]);
            assert.strictEqual(proxy.storageClassRequests.length, 1, "one request in all");
        });
    });
});
