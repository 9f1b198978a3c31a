import { createServer, type Server } from 'node:net';
import { ErrorCodes, KchError } from '../errors/kch-error.js';

/** Fails with PORT_IN_USE naming the port and the flag that changes it. */
export async function checkPortFree(host: string, port: number, flag: string): Promise<void> {
  if (!Number.isSafeInteger(port) || port < 1 || port > 65_535) {
    throw new KchError(ErrorCodes.USAGE, `--${flag} must be a port between 1 and 65535, got ${port}`);
  }
  await new Promise<void>((resolveCheck, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new KchError(ErrorCodes.PORT_IN_USE, `port ${port} on ${host} is already in use; choose another with --${flag}`));
      } else if (error.code === 'EACCES') {
        reject(new KchError(ErrorCodes.PORT_IN_USE, `not allowed to listen on port ${port} on ${host}; choose one above 1023 with --${flag}`));
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
        reject(new KchError(ErrorCodes.USAGE, `--host ${host} is not an address of this machine (${error.code})`));
      } else {
        reject(new KchError(ErrorCodes.PORT_IN_USE, `cannot listen on ${host}:${port} (${error.code ?? error.message}); choose another with --${flag}`));
      }
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolveCheck()));
  });
}

/** A port that was free a moment ago on 127.0.0.1 (tests and the benchmark start services on them). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `server.listen(port, host)`, settled once it listens or fails; `failure` words the error for the user. */
export function listenOn(server: Server, host: string, port: number, failure: (error: NodeJS.ErrnoException) => Error): Promise<void> {
  return new Promise((resolveListen, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(failure(error));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolveListen();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
