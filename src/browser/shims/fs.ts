/**
 * `node:fs` for the framework's code in the browser bundle: the Interface checks at construction
 * that each example file exists, and `npm run build:static` has already checked it (it copied
 * every file the app names into the build, and stopped on one that is missing).
 */

/**
 * @example
 * existsSync("/examples/bag.png") // → true
 */
export const existsSync = (_path: string): boolean => true;

export default { existsSync };
