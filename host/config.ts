/** The host's settings from the environment, read one way. */

/**
 * The number in environment variable `name`, or `fallback` when it is unset or empty. A value
 * that is not a number stops the host with a message naming the variable, rather than running
 * with NaN.
 *
 * @throws {Error} `HOST_PORT must be a number, got "eighty".`
 * @example
 * const port = envNumber("HOST_PORT", 7861);
 * const sleepAfterMs = envNumber("SPACE_SLEEP_AFTER", 48 * 3600) * 1000;
 */
export function envNumber(name: string, fallback: number): number {
  const text = process.env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${JSON.stringify(text.slice(0, 40))}.`);
  return value;
}
