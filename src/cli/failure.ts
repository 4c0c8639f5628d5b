import { HeadroomError } from '../errors.js';

/** What the common system errors mean, in the words `ls` and `cat` use. */
const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  EEXIST: 'a file is in the way',
  ENOTDIR: 'not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EMFILE: 'too many open files',
  ECONNREFUSED: 'connection refused',
  EADDRNOTAVAIL: 'address not available on this machine',
  EADDRINUSE: 'address already in use',
  ENOTFOUND: 'host not found',
};

/** A system error's code in words (`not a directory` for ENOTDIR), else its code, else its message. */
export function errorWords(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined) return SYSTEM_ERRORS[code] ?? code;
  return error instanceof Error ? error.message : String(error);
}

/** System call names as a user would say them. */
const VERBS: Readonly<Record<string, string>> = {
  getaddrinfo: 'resolve',
  scandir: 'list',
  stat: 'read',
  lstat: 'read',
};

/**
 * One line for a failure, never a stack trace: a HeadroomError with its fix, a system error with the path
 * it concerns, anything else by its message. `HEADROOM_DEBUG=1` adds the stack for bug reports.
 */
export function describeFailure(error: unknown, env: NodeJS.ProcessEnv): string {
  if (error instanceof HeadroomError)
    return error.fix === undefined ? error.message : `${error.message} ${error.fix}`;
  const debug = env.HEADROOM_DEBUG !== undefined && env.HEADROOM_DEBUG !== '' && env.HEADROOM_DEBUG !== '0';
  if (!(error instanceof Error)) return String(error);
  const stack = debug && error.stack !== undefined ? `\n${error.stack}` : '';
  const { code, path, syscall, address, port, hostname } = error as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
    hostname?: string;
  };
  if (code !== undefined && (path !== undefined || code in SYSTEM_ERRORS)) {
    const what = SYSTEM_ERRORS[code] ?? code;
    // A file, an address (`listen 10.0.0.9:8787`) or a host name, whichever the error concerns.
    const target =
      path ?? (address === undefined ? hostname : port === undefined ? address : `${address}:${port}`);
    return `cannot ${VERBS[syscall ?? ''] ?? syscall ?? 'open'}${target === undefined ? '' : ` ${target}`}: ${what}.${stack}`;
  }
  const firstLine = error.message.split('\n', 1)[0] ?? '';
  return `${firstLine === '' ? error.name : firstLine} (unexpected; HEADROOM_DEBUG=1 shows where).${stack}`;
}

/**
 * Names `path` on a system error that lacks it: reading a directory fails with EISDIR from `read`, which
 * says nothing about which file was meant.
 */
export async function atPath<T>(path: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const errno = error as NodeJS.ErrnoException;
    if (error instanceof Error && errno.code !== undefined && errno.path === undefined) errno.path = path;
    throw error;
  }
}
