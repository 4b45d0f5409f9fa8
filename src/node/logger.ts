/**
 * Structured logs (pino). `json` writes one JSON object per line; `text` writes
 * "HH:MM:SS.mmm LEVEL message key=value" for people at a terminal.
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';
export type LogFormat = 'json' | 'text';

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'module']);

function textLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = new Date(Number(record.time)).toISOString().slice(11, 23);
  const level = (LEVEL_NAMES[Number(record.level)] ?? 'LOG').padEnd(5);
  const module = record.module ? `[${String(record.module)}] ` : '';
  const fields = Object.entries(record)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
  return `${time} ${level} ${module}${String(record.msg ?? '')}${fields ? ' ' + fields : ''}\n`;
}

/**
 * A node whose output was closed (piped into `head`, a supervisor gone, a profiler that let go
 * of it) keeps running without its log: a write to a closed pipe is an error event, which
 * unheard would end the process in the middle of a block.
 */
function keepRunningWhenClosed(out: NodeJS.WritableStream): void {
  if (out.listenerCount('error') > 0) return;
  out.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
}

export function createLogger(options: { level: string; format: LogFormat; destination?: NodeJS.WritableStream }): Logger {
  const out = options.destination ?? process.stdout;
  keepRunningWhenClosed(out);
  if (options.format === 'json') return pino({ level: options.level, base: undefined }, out);
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.write(textLine(chunk.toString('utf8').trimEnd()));
      callback();
    },
  });
  return pino({ level: options.level, base: undefined }, stream);
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
