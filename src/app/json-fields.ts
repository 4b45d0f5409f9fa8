/**
 * Genesis sections refuse unknown keys, so a typo never silently falls back to a default.
 * Nothing happens for undefined (an absent section); anything else must be a JSON object
 * whose keys are all in `allowed`, or `fail` is thrown with what is wrong.
 */
export function checkObjectFields(value: unknown, allowed: readonly string[], what: string, fail: (message: string) => Error): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail(`${what} must be an object`);
  const unknown = Object.keys(value).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw fail(`unknown field ${JSON.stringify(unknown.slice(0, 64))} in ${what}`);
}
