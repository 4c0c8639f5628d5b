import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/** Where wrap writes the proxy's lines: a file (created on first write) or a stream such as stderr. */
export interface LineLog {
  /** The file path, or `stderr`. */
  readonly target: string;
  /** Whether anything was written. */
  readonly used: boolean;
  write(line: string): void;
}

export function fileLineLog(file: string): LineLog {
  let used = false;
  return {
    target: file,
    get used() {
      return used;
    },
    write(line) {
      // Synchronous and lazy: a session that logs nothing leaves no file, and no line is lost at exit.
      if (!used) mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      appendFileSync(file, `${line}\n`, { mode: 0o600 });
      used = true;
    },
  };
}

export function streamLineLog(stream: NodeJS.WritableStream, name: string): LineLog {
  let used = false;
  return {
    target: name,
    get used() {
      return used;
    },
    write(line) {
      stream.write(`${line}\n`);
      used = true;
    },
  };
}
