/** Why classic-level could not open a directory, in words an operator can act on. */
export function levelOpenFailure(err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause;
  const detail = cause?.message ?? (err instanceof Error ? err.message : String(err));
  if (/lock/i.test(detail)) return `is in use by another process (${detail})`;
  if (/corrupt/i.test(detail)) return `is corrupted (${detail}); restore it from a backup or resync — it was not reset`;
  return `cannot be opened (${detail})`;
}
