// The foundation's proof that the AWS API is real enough: moto's ECR,
// reached with @aws-sdk/client-ecr over loopback.
import * as assert from "assert";
import {
    CreateRepositoryCommand,
    DescribeImagesCommand,
    DescribeRepositoriesCommand,
    ECRClient,
    ImageNotFoundException,
    ImageTagAlreadyExistsException,
} from "@aws-sdk/client-ecr";
import { startMoto, MotoServer, TEST_REGION } from "./support/moto";
import { imageManifest, pushImage } from "./support/images";

describe("moto ECR (real AWS API emulator on 127.0.0.1)", function () {
    this.timeout(60_000);
    let moto: MotoServer;
    let ecr: ECRClient;

    before(async () => {
        moto = await startMoto();
        ecr = new ECRClient({ region: TEST_REGION, endpoint: moto.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    });
    after(async () => {
        ecr?.destroy();
        await moto?.stop();
    });
    beforeEach(() => moto.reset());

    it("keeps a repository IMMUTABLE and resolves a tag to the digest of its manifest", async () => {
        await ecr.send(new CreateRepositoryCommand({ repositoryName: "papyrus-api", imageTagMutability: "IMMUTABLE" }));
        const repos = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["papyrus-api"] }));
        assert.strictEqual(repos.repositories?.[0].imageTagMutability, "IMMUTABLE");
        assert.match(repos.repositories?.[0].repositoryUri ?? "", /^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/papyrus-api$/);

        const pushed = await pushImage(ecr, "papyrus-api", "v25.10.31");
        assert.match(pushed.digest, /^sha256:[0-9a-f]{64}$/);

        const described = await ecr.send(new DescribeImagesCommand({
            repositoryName: "papyrus-api",
            imageIds: [{ imageTag: "v25.10.31" }],
        }));
        const detail = described.imageDetails?.[0];
        assert.strictEqual(detail?.imageDigest, pushed.digest);
        assert.deepStrictEqual(detail?.imageTags, ["v25.10.31"]);
        assert.strictEqual(detail?.imageManifestMediaType, "application/vnd.oci.image.manifest.v1+json");
    });

    // Real ECR answers ImageTagAlreadyExistsException. moto 5.2.5 answers
    // ImageAlreadyExistsException naming the tag; the driver never relies on
    // either name, only on the repository refusing to move the tag.
    it("refuses to move a tag in an IMMUTABLE repository and keeps the first digest (moto: ImageAlreadyExistsException)", async () => {
        await ecr.send(new CreateRepositoryCommand({ repositoryName: "papyrus-api", imageTagMutability: "IMMUTABLE" }));
        const first = await pushImage(ecr, "papyrus-api", "v25.10.31", imageManifest("build-1"));

        await assert.rejects(
            pushImage(ecr, "papyrus-api", "v25.10.31", imageManifest("build-2")),
            (err: unknown) => {
                assert.strictEqual((err as Error).name, "ImageAlreadyExistsException", `got ${String(err)}`);
                assert.ok(!(err instanceof ImageTagAlreadyExistsException));
                assert.match((err as Error).message, /tag 'v25\.10\.31' already exists/);
                return true;
            },
        );

        const after = await ecr.send(new DescribeImagesCommand({ repositoryName: "papyrus-api", imageIds: [{ imageTag: "v25.10.31" }] }));
        assert.strictEqual(after.imageDetails?.[0].imageDigest, first.digest);
    });

    it("lets a MUTABLE repository move the tag: the same name then resolves to other code", async () => {
        await ecr.send(new CreateRepositoryCommand({ repositoryName: "scratch", imageTagMutability: "MUTABLE" }));
        const first = await pushImage(ecr, "scratch", "v1", imageManifest("build-1"));
        const second = await pushImage(ecr, "scratch", "v1", imageManifest("build-2"));
        assert.notStrictEqual(first.digest, second.digest);
        const now = await ecr.send(new DescribeImagesCommand({ repositoryName: "scratch", imageIds: [{ imageTag: "v1" }] }));
        assert.strictEqual(now.imageDetails?.[0].imageDigest, second.digest);
    });

    it("throws ImageNotFoundException for a tag that was never pushed", async () => {
        await ecr.send(new CreateRepositoryCommand({ repositoryName: "papyrus-api", imageTagMutability: "IMMUTABLE" }));
        await assert.rejects(
            ecr.send(new DescribeImagesCommand({ repositoryName: "papyrus-api", imageIds: [{ imageTag: "v0.0.0" }] })),
            ImageNotFoundException,
        );
    });
});
