// The papyrus stack: the package's whole stack program (components/serviceStack.ts), imported from
// the components entry as an adopter's program imports `papyrus-deploy/components`. Each output is
// exported by name: the driver reads them (docs/PACKAGE.md).
import { serviceStack } from "./components";

const stack = serviceStack();

export const repositoryUrl = stack.repositoryUrl;
export const repositoryName = stack.repositoryName;
export const pushRoleArn = stack.pushRoleArn;
export const deployRoleArn = stack.deployRoleArn;
// Unset while the stack runs no image (before its first deploy).
export const imageTag = stack.imageTag;
export const image = stack.image;
export const clusterName = stack.clusterName;
export const serviceName = stack.serviceName;
export const taskDefinitionArn = stack.taskDefinitionArn;
export const loadBalancerUrl = stack.loadBalancerUrl;
export const testListenerUrl = stack.testListenerUrl;
