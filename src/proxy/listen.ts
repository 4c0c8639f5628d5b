import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadroomError } from '../errors.js';

/** Listens on `host:port` (0: a free port); a taken port rejects with `PORT_IN_USE` and its fix. */
export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(
          new HeadroomError('PORT_IN_USE', `Port ${port} on ${host} is already in use.`, {
            fix: 'Pick another port with --port, or leave it out to use a free one.',
            cause: error,
          }),
        );
      } else reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** A host as it goes in a URL: IPv6 addresses in brackets. */
export const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);
