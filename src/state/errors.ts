/** Errors of the state store; codes are listed in spec/errors.md and spec/state.md. */
import { CmtError } from '../codec/errors.js';

/**
 * A LevelDB directory that is locked, corrupt or unreadable. Same code and wording as the
 * block store's DatabaseError (src/store/level.ts), which state/ may not import.
 */
export class StateDatabaseError extends CmtError {
  constructor(dir: string, reason: string, cause?: unknown) {
    super('DATABASE_ERROR', `database ${dir}: ${reason}`, { cause });
  }
}

/** The state database opened, but its contents do not fit together (root, journals, metadata). */
export class StateCorruptError extends CmtError {
  constructor(dir: string, reason: string, cause?: unknown) {
    super('STATE_CORRUPT', `state database ${dir} is corrupt: ${reason}; restore it from a backup or resync — it was not reset`, { cause });
  }
}

/** A read or proof at a version outside the kept window. */
export class VersionUnavailableError extends CmtError {
  constructor(
    readonly version: number,
    readonly oldest: number,
    readonly latest: number,
  ) {
    super(
      'VERSION_UNAVAILABLE',
      latest < 0 ? `state version ${version} is not available: the state is empty` : `state version ${version} is not available: kept versions are ${oldest}..${latest}`,
    );
  }
}

/** stage/write/discard called out of order, or a use after close: a bug in the caller. */
export class StateUsageError extends CmtError {
  constructor(message: string) {
    super('STATE_USAGE', message);
  }
}
