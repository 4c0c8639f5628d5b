import { readdir, readFile, readlink } from 'node:fs/promises';
import net from 'node:net';
import { HeadroomError } from '../errors.js';

export interface PortOwner {
  readonly pid: number;
  readonly command: string | undefined;
}

/** Whether something accepts connections on host:port. */
export function isPortInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
    server.once('listening', () => server.close(() => resolve(false)));
    server.listen({ port, host, exclusive: true });
  });
}

async function listeningInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await readFile(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      // State 0A is LISTEN.
      if (local?.endsWith(`:${hexPort}`) && fields[3] === '0A' && fields[9] !== undefined)
        inodes.add(fields[9]);
    }
  }
  return inodes;
}

/**
 * Which process listens on a port, read from /proc (Linux). Undefined elsewhere or when the owner's
 * file descriptors are not readable by this user; callers then name the port alone.
 */
export async function findPortOwner(port: number): Promise<PortOwner | undefined> {
  const inodes = await listeningInodes(port);
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = await readlink(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode !== undefined && inodes.has(inode)) {
          const command = await readFile(`/proc/${pid}/comm`, 'utf8').then(
            (text) => text.trim(),
            () => undefined,
          );
          return { pid: Number(pid), command };
        }
      } catch {
        // The descriptor closed while we looked.
      }
    }
  }
  return undefined;
}

/** `port 8787 is in use by PID 123 (node)` or `port 8787 is in use`. */
export async function describePortInUse(port: number): Promise<string> {
  const owner = await findPortOwner(port);
  if (owner === undefined) return `port ${port} is in use by another process`;
  return `port ${port} is in use by PID ${owner.pid}${owner.command === undefined ? '' : ` (${owner.command})`}`;
}

/** Whether an error (or one of its causes) is a port already taken. */
export function isAddressInUse(error: unknown): boolean {
  for (let e: unknown = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' || (e as { code?: string }).code === 'PORT_IN_USE')
      return true;
    if (typeof e !== 'object') break;
  }
  return false;
}

/** The error for a taken port, naming the process that holds it. */
export async function portInUseError(port: number, cause?: unknown): Promise<HeadroomError> {
  return new HeadroomError('PORT_IN_USE', `${await describePortInUse(port)}.`, {
    fix: 'Stop that process, pick another port with `--port`, or leave `--port` out to use a free one.',
    ...(cause === undefined ? {} : { cause }),
  });
}
