// automation/aws/ecr.ts (tag → digest, digest look-up) against moto's real ECR API
// on 127.0.0.1, reached with @aws-sdk/client-ecr: the answers the driver
// builds from DescribeImages, and the typed errors it turns ECR's exceptions
// into. The few facts about moto itself that the tests and docs rely on are
// named "moto records: …".
import * as assert from "assert";
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient, ImageTagAlreadyExistsException } from "@aws-sdk/client-ecr";
import { describeDigest, resolveTag, ResolvedImage } from "../../automation/aws/ecr";
import { EXIT_CODES, ImageArchivedError, ImageNotFoundError, RepositoryNotFoundError } from "../../automation/record/errors";
import { ArchivingProxy, startArchivingProxy } from "../../testkit/archivingProxy";
import { DOCKER_MANIFEST, imageIndex, imageManifest, OCI_INDEX, OCI_MANIFEST, pushImage } from "../../testkit/images";
import { sharedMoto, SharedMoto, TEST_ACCOUNT, TEST_REGION } from "../../testkit/moto";

const REPO = "papyrus-api";
const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

describe("automation/aws/ecr.ts against moto's ECR (127.0.0.1)", function () {
    this.timeout(60_000);
    let moto: SharedMoto;
    let ecr: ECRClient;
    const clients: ECRClient[] = [];
    const client = (endpoint: string, region = TEST_REGION) => {
        const c = new ECRClient({ region, endpoint, credentials: CREDENTIALS });
        clients.push(c);
        return c;
    };

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
        await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO, imageTagMutability: "IMMUTABLE" }));
    });

    describe("resolveTag", () => {
        it("resolves a tag to the digest ECR computed, with the repository URL ECS pulls from", async () => {
            // kills: a repositoryUrl built from the wrong parts, a digest taken from anywhere but DescribeImages, a wrong isIndex
            const pushed = await pushImage(ecr, REPO, "v25.10.31");
            const resolved = await resolveTag(ecr, REPO, "v25.10.31");
            const expected: Omit<ResolvedImage, "digest"> & { digest: string } = {
                repositoryName: REPO,
                repositoryUrl: `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/${REPO}`,
                digest: pushed.digest,
                mediaType: OCI_MANIFEST,
                isIndex: false,
                status: "ACTIVE",
                tags: ["v25.10.31"],
            };
            assert.deepStrictEqual(resolved, expected);
        });

        it("resolves each tag to its own image, not to the newest push", async () => {
            // kills: reading imageDetails of the whole repository instead of asking for the tag
            const v1 = await pushImage(ecr, REPO, "v1.0.0", imageManifest("build-1"));
            await pushImage(ecr, REPO, "v2.0.0", imageManifest("build-2"));
            assert.strictEqual((await resolveTag(ecr, REPO, "v1.0.0")).digest, v1.digest);
        });

        it("reports an image index (multi-arch) as an index, with the index's digest; a Docker v2 manifest is not one", async () => {
            // kills: dropping a media type from IMAGE_INDEX_MEDIA_TYPES, or isIndex always false
            const index = await pushImage(ecr, REPO, "v3.0.0", imageIndex("v3"), OCI_INDEX);
            const resolved = await resolveTag(ecr, REPO, "v3.0.0");
            assert.deepStrictEqual([resolved.digest, resolved.mediaType, resolved.isIndex], [index.digest, OCI_INDEX, true]);
            const docker = await pushImage(ecr, REPO, "v3.0.1", imageManifest("docker").replace(OCI_MANIFEST, DOCKER_MANIFEST), DOCKER_MANIFEST);
            const plain = await resolveTag(ecr, REPO, "v3.0.1");
            assert.deepStrictEqual([plain.digest, plain.mediaType, plain.isIndex], [docker.digest, DOCKER_MANIFEST, false]);
        });

        it("builds a China-partition URL (amazonaws.com.cn) for a cn- region", async () => {
            // kills: a repositoryUrl that ignores the partition
            const cn = client(moto.endpoint, "cn-north-1");
            await cn.send(new CreateRepositoryCommand({ repositoryName: REPO }));
            await pushImage(cn, REPO, "v1.0.0");
            assert.strictEqual((await resolveTag(cn, REPO, "v1.0.0")).repositoryUrl, `${TEST_ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn/${REPO}`);
        });

        it("throws ImageNotFoundError (exit 3) naming the input `tag`, the tag and the repository for a tag never pushed", async () => {
            // kills: letting the SDK's ImageNotFoundException through untyped (the CLI would exit 1, "a bug")
            await pushImage(ecr, REPO, "v1.0.0");
            await assert.rejects(resolveTag(ecr, REPO, "v0.0.0"), (err: unknown) => {
                assert.ok(err instanceof ImageNotFoundError, `got ${String(err)}`);
                assert.strictEqual(
                    err.message,
                    "`tag` names no image in `papyrus-api`, got `v0.0.0`; push it first (CI's ecr-push workflow) " +
                        "or check the spelling with `aws ecr describe-images --repository-name papyrus-api`",
                );
                assert.strictEqual(err.exitCode, EXIT_CODES.imageUnavailable);
                return true;
            });
        });

        it("throws RepositoryNotFoundError (exit 3) naming the repository and where its name came from", async () => {
            // kills: mapping RepositoryNotFoundException to ImageNotFoundError, or not mapping it at all
            await assert.rejects(resolveTag(ecr, "papyrus-missing", "v1.0.0"), (err: unknown) => {
                assert.ok(err instanceof RepositoryNotFoundError, `got ${String(err)}`);
                assert.strictEqual(
                    err.message,
                    "ECR repository `papyrus-missing` does not exist (from `repositoryName` in the stack config); " +
                        "run `pulumi up` once to create it, or fix the stack config",
                );
                assert.strictEqual(err.exitCode, EXIT_CODES.imageUnavailable);
                return true;
            });
        });
    });

    describe("describeDigest", () => {
        it("finds an image by digest, with every tag it carries", async () => {
            // kills: looking a digest up as a tag
            const pushed = await pushImage(ecr, REPO, "v1.0.0");
            const found = await describeDigest(ecr, REPO, pushed.digest);
            assert.deepStrictEqual([found.digest, found.tags, found.status], [pushed.digest, ["v1.0.0"], "ACTIVE"]);
        });

        it("throws ImageNotFoundError naming the input `digest` for a digest that is not (or no longer) in the repository", async () => {
            // kills: a rollback target that is gone reported as a tag problem, or not at all
            await pushImage(ecr, REPO, "v1.0.0");
            const gone = "sha256:" + "0".repeat(64);
            await assert.rejects(describeDigest(ecr, REPO, gone), {
                name: "ImageNotFoundError",
                message:
                    `\`digest\` names no image in \`papyrus-api\`, got \`${gone}\`; push it first (CI's ecr-push workflow) ` +
                    "or check the spelling with `aws ecr describe-images --repository-name papyrus-api`",
            });
        });
    });

    describe("archived images (through testkit/archivingProxy.ts, since moto has no archiving)", () => {
        let proxy: ArchivingProxy;
        let proxied: ECRClient;
        before(async () => {
            proxy = await startArchivingProxy(moto.endpoint);
            proxied = client(proxy.endpoint);
        });
        after(async () => proxy?.close());
        beforeEach(() => proxy.archived.clear());

        it("refuses an ARCHIVED image by tag and by digest with ImageArchivedError (exit 3) saying how to restore it", async () => {
            // kills: ignoring imageStatus (ECS would fail to pull the image after `pulumi up`)
            const pushed = await pushImage(ecr, REPO, "v1.0.0");
            proxy.archived.add(pushed.digest);
            const message = (asked: string) =>
                `image \`papyrus-api:${asked}\` (${pushed.digest}) is ARCHIVED and cannot be pulled by ECS; ` +
                "restore it in ECR first (`aws ecr update-image-storage-class` / the console) or deploy another tag";
            await assert.rejects(resolveTag(proxied, REPO, "v1.0.0"), (err: unknown) => {
                assert.ok(err instanceof ImageArchivedError, `got ${String(err)}`);
                assert.strictEqual(err.message, message("v1.0.0"));
                assert.strictEqual(err.exitCode, EXIT_CODES.imageUnavailable);
                return true;
            });
            await assert.rejects(describeDigest(proxied, REPO, pushed.digest), { name: "ImageArchivedError", message: message(pushed.digest) });
        });

        it("still resolves an image that is not archived through the same proxy", async () => {
            // kills: treating any imageStatus the proxy passes through as archived
            const archived = await pushImage(ecr, REPO, "v1.0.0", imageManifest("old"));
            const active = await pushImage(ecr, REPO, "v2.0.0", imageManifest("new"));
            proxy.archived.add(archived.digest);
            assert.strictEqual((await resolveTag(proxied, REPO, "v2.0.0")).digest, active.digest);
        });
    });

    describe("moto itself (facts the tests and docs rely on)", () => {
        // Real ECR answers ImageTagAlreadyExistsException. The driver relies on neither name,
        // only on the repository refusing to move the tag (docs/CI.md, ecr-push's "Already pushed?" step).
        it("moto records: re-pushing a tag in an IMMUTABLE repository fails with ImageAlreadyExistsException and keeps the first digest", async () => {
            const first = await pushImage(ecr, REPO, "v25.10.31", imageManifest("build-1"));
            await assert.rejects(pushImage(ecr, REPO, "v25.10.31", imageManifest("build-2")), (err: unknown) => {
                assert.strictEqual((err as Error).name, "ImageAlreadyExistsException", `got ${String(err)}`);
                assert.ok(!(err instanceof ImageTagAlreadyExistsException));
                assert.match((err as Error).message, /tag 'v25\.10\.31' already exists/);
                return true;
            });
            assert.strictEqual((await resolveTag(ecr, REPO, "v25.10.31")).digest, first.digest);
        });

        // Why the archived tests need a proxy, and why ecr.ts reads a missing imageStatus as ACTIVE.
        it("moto records: DescribeImages answers without imageStatus (no archiving)", async () => {
            await pushImage(ecr, REPO, "v1.0.0");
            const out = await ecr.send(new DescribeImagesCommand({ repositoryName: REPO, imageIds: [{ imageTag: "v1.0.0" }] }));
            assert.strictEqual(out.imageDetails?.[0].imageStatus, undefined);
        });
    });
});
