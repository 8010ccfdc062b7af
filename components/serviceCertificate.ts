// DigestPinnedService's name and certificate: the certificate the HTTPS
// listeners use (given, or requested from ACM for the domain and validated by
// DNS), and the alias record that points the domain at the load balancer.
// Children of the service component.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ResolvedServiceArgs } from "./serviceDefaults";

/** The certificate the listeners use (`arn`), and the one this component requested (`created`), when any. */
export interface ServiceCertificate {
    readonly arn?: pulumi.Output<string>;
    readonly created?: pulumi.Output<string>;
}

/**
 * The certificate the HTTPS listeners use: the one given, or one requested from ACM for the domain and
 * validated by a DNS record in its zone (the listener waits for the validation, so it never serves an
 * unissued certificate). `created` is set only for the latter.
 */
export function resolveCertificate(parent: pulumi.Resource, name: string, a: ResolvedServiceArgs): ServiceCertificate {
    if (a.listener.protocol === "HTTP") {
        return {};
    }
    const certificate = a.listener.certificate;
    if ("arn" in certificate) {
        return { arn: pulumi.output(certificate.arn) };
    }
    const requested = new aws.acm.Certificate(
        `${name}-certificate`,
        {
            domainName: certificate.domain,
            validationMethod: "DNS",
            tags: a.tags,
        },
        { parent },
    );
    const option = requested.domainValidationOptions.apply((options) => options[0]);
    const record = new aws.route53.Record(
        `${name}-certificate-validation-record`,
        {
            zoneId: certificate.hostedZoneId,
            name: option.apply((o) => o.resourceRecordName!),
            type: option.apply((o) => o.resourceRecordType!),
            records: [option.apply((o) => o.resourceRecordValue!)],
            ttl: 60,
            // A renewal or a second stack for the same name writes the same record.
            allowOverwrite: true,
        },
        { parent },
    );
    const validation = new aws.acm.CertificateValidation(
        `${name}-certificate-validation`,
        {
            certificateArn: requested.arn,
            validationRecordFqdns: [record.fqdn],
        },
        { parent },
    );
    return { arn: validation.certificateArn, created: requested.arn };
}

/** With `https.domain`: an alias record for the domain, to the load balancer. */
export function createAliasRecord(parent: pulumi.Resource, name: string, a: ResolvedServiceArgs, loadBalancer: aws.lb.LoadBalancer): void {
    if (a.listener.protocol === "HTTP" || !("domain" in a.listener.certificate)) {
        return;
    }
    new aws.route53.Record(
        `${name}-alias`,
        {
            zoneId: a.listener.certificate.hostedZoneId,
            name: a.listener.certificate.domain,
            type: "A",
            aliases: [{ name: loadBalancer.dnsName, zoneId: loadBalancer.zoneId, evaluateTargetHealth: true }],
        },
        { parent },
    );
}
