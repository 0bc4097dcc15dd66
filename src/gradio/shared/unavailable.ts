/** The one error shared mode gives when Redis does not answer. */
import { BusyError } from "../../errors.ts";

/**
 * Redis went away: the caller gets a 503 that says so.
 *
 * @example
 * try { await cmd.xadd(…) } catch (err) { throw unavailable(err); }
 */
export const unavailable = (err: unknown) =>
  new BusyError(`The queue is unavailable (Redis: ${(err as Error)?.message ?? err}). Try again in a moment.`);
