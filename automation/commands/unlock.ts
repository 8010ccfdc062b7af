// `papyrus-deploy unlock`: remove the stack's driver lock in this checkout.
import { removeLock, UnlockResult } from "../engine/lock";
import { backendFor, identityOf } from "../engine/workspace";
import { checkedProjectDirectory, StackContext } from "../update/session";

/**
 * Removes the stack's driver lock in this checkout (`papyrus-deploy unlock`), unless a live process
 * of this host holds it: then exit 4 naming it. The engine's lock and the state are not touched.
 */
export async function unlock(options: StackContext): Promise<UnlockResult> {
    const workDir = checkedProjectDirectory(options.workDir);
    const backendUrl = backendFor(workDir, options.envVars);
    const identity = await identityOf(options, workDir, backendUrl);
    return removeLock(workDir, identity.qualified);
}
