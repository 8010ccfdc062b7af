// The orders stack: the papyrus-deploy package's stack program, run as this project's. Its config
// is `orders:*` (the project's name in Pulumi.yaml); the driver reads the outputs exported here
// (docs/CONTRACT.md), so each is exported by name.
import { serviceStack } from "papyrus-deploy/components";

const stack = serviceStack();

export const repositoryUrl = stack.repositoryUrl;
export const repositoryName = stack.repositoryName;
export const pushRoleArn = stack.pushRoleArn;
export const deployRoleArn = stack.deployRoleArn;
export const imageTag = stack.imageTag;
export const image = stack.image;
export const clusterName = stack.clusterName;
export const serviceName = stack.serviceName;
export const taskDefinitionArn = stack.taskDefinitionArn;
export const loadBalancerUrl = stack.loadBalancerUrl;
export const testListenerUrl = stack.testListenerUrl;
