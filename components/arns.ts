// ARNs that IAM policies are built from, checked before they reach a policy:
// a `*` or a misplaced value in one of them would widen a grant silently.
// Each check returns a message naming the input, quoting the value and showing
// the expected form, or undefined.
import { got } from "./inputMessage";

const PARTITION = "(aws|aws-cn|aws-us-gov)";
const REGION = "([a-z]{2}(?:-[a-z]+)+-[0-9])";
const ACCOUNT = "([0-9]{12})";

/** An S3 bucket name: 3-63 lower-case letters, digits, `.` and `-`. */
const S3_BUCKET_ARN = new RegExp(`^arn:${PARTITION}:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$`);
const OIDC_PROVIDER_ARN = new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT}:oidc-provider/(.+)$`);
const ECS_SERVICE_ARN = new RegExp(`^arn:${PARTITION}:ecs:${REGION}:${ACCOUNT}:service/([A-Za-z0-9_-]{1,255})/([A-Za-z0-9_-]{1,255})$`);
const ECS_CLUSTER_ARN = new RegExp(`^arn:${PARTITION}:ecs:${REGION}:${ACCOUNT}:cluster/([A-Za-z0-9_-]{1,255})$`);
const IAM_ROLE_ARN = new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`);
const ECR_REPOSITORY_ARN = new RegExp(`^arn:${PARTITION}:ecr:${REGION}:${ACCOUNT}:repository/[a-z0-9._/-]{2,256}$`);
const LOG_GROUP_ARN = new RegExp(`^arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:[A-Za-z0-9_./#-]{1,512}$`);
const TASK_DEFINITION_FAMILY = /^[A-Za-z0-9_-]{1,255}$/;
const ACM_CERTIFICATE_ARN = new RegExp(`^arn:${PARTITION}:acm:${REGION}:${ACCOUNT}:certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`);
/** An alarm name is up to 255 printable characters; a `*` or `?` is refused by `requireArn` itself. */
const CLOUDWATCH_ALARM_ARN = new RegExp(`^arn:${PARTITION}:cloudwatch:${REGION}:${ACCOUNT}:alarm:[\\x20-\\x7e]{1,255}$`);
const SCALABLE_TARGET_ARN = new RegExp(`^arn:${PARTITION}:application-autoscaling:${REGION}:${ACCOUNT}:scalable-target/[A-Za-z0-9]{1,64}$`);
/** A Route 53 hosted zone id, as the console and `aws route53 list-hosted-zones` show it (without `/hostedzone/`). */
export const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;

/** Why `value` is not the ARN of one S3 bucket (the state backend's), or undefined. */
export function s3BucketArnProblem(value: unknown, input: string, prefixInput: string): string | undefined {
    const expected = `\`${input}\` must be the ARN of the state bucket (\`arn:aws:s3:::<bucket>\`)`;
    if (typeof value !== "string") {
        return `${expected}, got a value of type ${value === null ? "null" : typeof value}`;
    }
    if (/[*?]/.test(value)) {
        return `${expected}${got(value)}: a wildcard would grant every matching bucket; name the bucket`;
    }
    if (/^arn:[^:]+:s3:::[^/]+\/.*/.test(value)) {
        return `${expected}${got(value)}: that names objects, not the bucket; give the key prefix in \`${prefixInput}\``;
    }
    if (!S3_BUCKET_ARN.test(value)) {
        return `${expected}${got(value)}`;
    }
    return undefined;
}

/** Why `value` is not a key prefix a grant can be scoped to, or undefined. */
export function stateKeyPrefixProblem(value: unknown, input: string): string | undefined {
    if (typeof value !== "string") {
        return `\`${input}\` must be the key prefix of \`PULUMI_BACKEND_URL\` (\`s3://<bucket>/<prefix>\`), got a value of type ${value === null ? "null" : typeof value}`;
    }
    if (/[*?]/.test(value) || value.includes("${")) {
        return `\`${input}\` must be a literal key prefix${got(value)}: a wildcard or policy variable would reach other prefixes`;
    }
    if (value.startsWith("/") || value.split("/").some((part) => part === "..") || /[\u0000-\u001f\u007f]/.test(value)) {
        return `\`${input}\` must be a key prefix such as \`papyrus\` (as in \`s3://<bucket>/papyrus\`)${got(JSON.stringify(value).slice(1, -1))}`;
    }
    return undefined;
}

/**
 * Why `value` is not the ARN of the OIDC provider for `issuer` (`token.actions.githubusercontent.com`,
 * or `…/<enterprise>`), or undefined. A provider for another issuer would make the role's condition
 * keys (`<issuer>:sub`) absent from every token, and IAM would refuse every run.
 */
export function oidcProviderArnProblem(value: unknown, issuer: string, input: string): string | undefined {
    const expected = `\`${input}\` must be the ARN of the account's GitHub OIDC provider (\`arn:aws:iam::<account>:oidc-provider/${issuer}\`)`;
    if (typeof value !== "string") {
        return `${expected}, got a value of type ${value === null ? "null" : typeof value}`;
    }
    const match = OIDC_PROVIDER_ARN.exec(value);
    if (match === null || /[*?]/.test(value)) {
        return `${expected}${got(value)}`;
    }
    if (match[3] !== issuer) {
        return `${expected}${got(value)}, the provider for \`https://${match[3]}\`: this stack's tokens come from \`https://${issuer}\``;
    }
    return undefined;
}

export interface EcsServiceArn {
    readonly partition: string;
    readonly region: string;
    readonly account: string;
    readonly cluster: string;
    readonly service: string;
}

/** The parts of a (long-format) ECS service ARN, `arn:aws:ecs:<region>:<account>:service/<cluster>/<name>`. */
export function parseEcsServiceArn(value: string, input = "serviceArn"): EcsServiceArn {
    const match = ECS_SERVICE_ARN.exec(value);
    if (match === null) {
        throw new Error(`\`${input}\` must be an ECS service ARN (\`arn:aws:ecs:<region>:<account>:service/<cluster>/<name>\`)${got(value)}`);
    }
    return { partition: match[1], region: match[2], account: match[3], cluster: match[4], service: match[5] };
}

/** Every revision of `family`, in the service's partition, region and account: `arn:aws:ecs:<region>:<account>:task-definition/<family>:*`. */
export function taskDefinitionFamilyArn(serviceArn: string, family: string): string {
    const { partition, region, account } = parseEcsServiceArn(serviceArn);
    if (!TASK_DEFINITION_FAMILY.test(family)) {
        throw new Error(`\`taskDefinitionFamily\` must be 1-255 letters, digits, \`-\` or \`_\`${got(family)}`);
    }
    return `arn:${partition}:ecs:${region}:${account}:task-definition/${family}:*`;
}

/** The deployments ECS records for one service: `arn:aws:ecs:<region>:<account>:service-deployment/<cluster>/<name>/*`. */
export function serviceDeploymentsArn(serviceArn: string): string {
    const { partition, region, account, cluster, service } = parseEcsServiceArn(serviceArn);
    return `arn:${partition}:ecs:${region}:${account}:service-deployment/${cluster}/${service}/*`;
}

/** The revisions ECS records for one service (a deployment's source and target): `arn:aws:ecs:<region>:<account>:service-revision/<cluster>/<name>/*`. */
export function serviceRevisionsArn(serviceArn: string): string {
    const { partition, region, account, cluster, service } = parseEcsServiceArn(serviceArn);
    return `arn:${partition}:ecs:${region}:${account}:service-revision/${cluster}/${service}/*`;
}

/** The region of an ECR repository ARN, so the deploy role's `*` grants can be held to it. */
export function regionOfRepositoryArn(value: string): string {
    const match = ECR_REPOSITORY_ARN.exec(value);
    if (match === null) {
        throw new Error(`\`repositoryArn\` must be an ECR repository ARN (\`arn:aws:ecr:<region>:<account>:repository/<name>\`)${got(value)}`);
    }
    return match[2];
}

/**
 * Why `value` is not the ARN of an ACM certificate the load balancer can use, or undefined. With `region`
 * (the stack's), a certificate of another region is refused: an ALB only takes certificates of its own region.
 */
export function acmCertificateArnProblem(value: unknown, input: string, region?: string): string | undefined {
    const expected = `\`${input}\` must be the ARN of an ACM certificate (\`arn:aws:acm:<region>:<account>:certificate/<uuid>\`)`;
    if (typeof value !== "string") {
        return `${expected}, got a value of type ${value === null ? "null" : typeof value}`;
    }
    const match = ACM_CERTIFICATE_ARN.exec(value);
    if (match === null) {
        return `${expected}${got(value)}`;
    }
    if (region !== undefined && match[2] !== region) {
        return `${expected} in the stack's region \`${region}\`, got one in \`${match[2]}\` (\`${value}\`): a load balancer only uses certificates of its own region`;
    }
    return undefined;
}

/** The ARN of a Route 53 hosted zone, in the partition of `serviceArn`: `arn:aws:route53:::hostedzone/<id>`. */
export function hostedZoneArn(serviceArn: string, hostedZoneId: string): string {
    const { partition } = parseEcsServiceArn(serviceArn);
    if (!HOSTED_ZONE_ID.test(hostedZoneId)) {
        throw new Error(`\`hostedZoneId\` must be a Route 53 hosted zone id such as \`Z0123456789ABCDEFGHIJ\`${got(hostedZoneId)}`);
    }
    return `arn:${partition}:route53:::hostedzone/${hostedZoneId}`;
}

/** Throws unless `value` matches the ARN form of `kind`; policies never get a wildcard from an input. */
export function requireArn(
    kind: "iam-role" | "ecs-cluster" | "log-group" | "acm-certificate" | "scalable-target" | "cloudwatch-alarm",
    value: string,
    input: string,
): string {
    const [pattern, form] = {
        "iam-role": [IAM_ROLE_ARN, "arn:aws:iam::<account>:role/<name>"],
        "ecs-cluster": [ECS_CLUSTER_ARN, "arn:aws:ecs:<region>:<account>:cluster/<name>"],
        "log-group": [LOG_GROUP_ARN, "arn:aws:logs:<region>:<account>:log-group:<name>"],
        "acm-certificate": [ACM_CERTIFICATE_ARN, "arn:aws:acm:<region>:<account>:certificate/<uuid>"],
        "scalable-target": [SCALABLE_TARGET_ARN, "arn:aws:application-autoscaling:<region>:<account>:scalable-target/<id>"],
        "cloudwatch-alarm": [CLOUDWATCH_ALARM_ARN, "arn:aws:cloudwatch:<region>:<account>:alarm:<name>"],
    }[kind] as [RegExp, string];
    if (!pattern.test(value) || /[*?]/.test(value)) {
        throw new Error(`\`${input}\` must be an ARN of the form \`${form}\`${got(value)}`);
    }
    return value;
}
