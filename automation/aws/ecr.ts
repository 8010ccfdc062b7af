// Tag → digest through the ECR API: one DescribeImages call per question.
import { DescribeImagesCommand, ECRClient, ImageDetail, ImageNotFoundException, RepositoryNotFoundException } from "@aws-sdk/client-ecr";
import { Sha256Digest, isSha256Digest } from "../../components/imageReference";
import { awsUnavailable } from "./awsErrors";
import { ImageArchivedError, ImageNotFoundError, RepositoryNotFoundError } from "../record/errors";

export const IMAGE_INDEX_MEDIA_TYPES: readonly string[] = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];

export interface ResolvedImage {
    readonly repositoryName: string;
    /** `<registryId>.dkr.ecr.<region>.amazonaws.com/<repositoryName>` */
    readonly repositoryUrl: string;
    readonly digest: Sha256Digest;
    readonly mediaType: string;
    /** True for a multi-arch image index (or a single-platform push with attestations). ECS accepts both. */
    readonly isIndex: boolean;
    readonly status: string;
    readonly tags: readonly string[];
}

/**
 * The ECR client for the driver. The AWS SDK reads `AWS_ENDPOINT_URL_ECR` and
 * `AWS_ENDPOINT_URL` itself, so an emulator is chosen by environment only.
 */
export function createEcrClient(region?: string): ECRClient {
    return new ECRClient(region ? { region } : {});
}

/** Resolves `tag` in `repositoryName` to its digest with one DescribeImages call. */
export async function resolveTag(ecr: ECRClient, repositoryName: string, tag: string): Promise<ResolvedImage> {
    const detail = await describeOne(ecr, repositoryName, { imageTag: tag }, "tag", tag);
    return toResolved(ecr, repositoryName, detail, tag);
}

/** Looks a digest up with one DescribeImages call: for rollback targets found in history. */
export async function describeDigest(ecr: ECRClient, repositoryName: string, digest: string): Promise<ResolvedImage> {
    const detail = await describeOne(ecr, repositoryName, { imageDigest: digest }, "digest", digest);
    return toResolved(ecr, repositoryName, detail, digest);
}

async function describeOne(
    ecr: ECRClient,
    repositoryName: string,
    imageId: { imageTag?: string; imageDigest?: string },
    input: string,
    value: string,
): Promise<ImageDetail> {
    try {
        const out = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [imageId] }));
        const detail = out.imageDetails?.[0];
        if (!detail) {
            throw new ImageNotFoundError(repositoryName, input, value);
        }
        return detail;
    } catch (err) {
        if (err instanceof RepositoryNotFoundException) {
            throw new RepositoryNotFoundError(repositoryName);
        }
        if (err instanceof ImageNotFoundException) {
            throw new ImageNotFoundError(repositoryName, input, value);
        }
        throw awsUnavailable(err, "ECR") ?? err;
    }
}

async function toResolved(ecr: ECRClient, repositoryName: string, detail: ImageDetail, asked: string): Promise<ResolvedImage> {
    const digest = detail.imageDigest ?? "";
    if (!isSha256Digest(digest)) {
        throw new Error(`ECR returned \`${digest}\` as the digest of \`${repositoryName}:${asked}\`; expected sha256:<64 hex>`);
    }
    const status = detail.imageStatus ?? "ACTIVE";
    if (status !== "ACTIVE") {
        throw new ImageArchivedError(repositoryName, asked, digest, status);
    }
    const region = await ecr.config.region();
    const mediaType = detail.imageManifestMediaType ?? "unknown";
    return {
        repositoryName,
        repositoryUrl: `${detail.registryId}.dkr.ecr.${region}.${region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com"}/${repositoryName}`,
        digest,
        mediaType,
        isIndex: IMAGE_INDEX_MEDIA_TYPES.includes(mediaType),
        status,
        tags: detail.imageTags ?? [],
    };
}
