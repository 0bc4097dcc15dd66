/**
 * Shared mode (`QUEUE_URL`, `./index.ts`) as `createApp` takes it: one per process, attached to
 * each app it serves, giving that app a {@link Backend} whose job queue, session messages,
 * uploads and flags are held in Redis so that any replica can serve any request. The embedded
 * backend (../local-backend.ts) is the other implementation of {@link Backend}.
 */
import type { Backend, BackendContext } from "../backend.ts";

/**
 * Shared mode: one per process (`openShared`), attached to the app `createApp` builds.
 *
 * @example
 * const shared = await openShared("redis://127.0.0.1:6379");
 * const backend = shared.attach(ctx); // createApp does this
 */
export interface SharedBackend {
  attach(ctx: BackendContext): Backend;
  /** Redis reachable and not draining: what `/readyz` answers. */
  ready(): Promise<boolean>;
  /** SIGTERM: stop pulling jobs, finish the claimed ones. */
  drain(): Promise<void>;
  close(): Promise<void>;
}
