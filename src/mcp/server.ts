import type { Readable, Writable } from 'node:stream';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { packageVersion } from '../proxy/version.js';
import { registerCompressTool } from './compress-tool.js';
import { type ReadOriginal, registerRetrieveTool } from './retrieve-tool.js';
import { registerStatsTool } from './stats-tool.js';

/** Largest JSON-RPC message read from the client: a whole tool output of several megabytes fits. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * The headroom MCP server: compress, retrieve and stats over one state directory, the one the proxy
 * writes its originals and ledger to, so markers from `wrap` and `proxy` can be redeemed here. `read`
 * replaces the state directory's reader (in a fleet: the store that falls back to Redis).
 */
export function createMcpServer(stateDir: string, read?: ReadOriginal): McpServer {
  const server = new McpServer({ name: 'headroom', version: packageVersion() });
  registerCompressTool(server, stateDir);
  registerRetrieveTool(server, stateDir, read);
  registerStatsTool(server, stateDir);
  return server;
}

/**
 * Serves over stdin/stdout until the client closes stdin. A line that is not JSON-RPC is reported through
 * `onError` and skipped; the server keeps answering.
 */
export async function serveStdio(
  server: McpServer,
  stdin: NodeJS.ReadableStream,
  stdout: NodeJS.WritableStream,
  onError: (error: Error) => void,
): Promise<void> {
  const transport = new StdioServerTransport(stdin as Readable, stdout as Writable, {
    maxBufferSize: MAX_MESSAGE_BYTES,
  });
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
  });
  await server.connect(transport);
  server.server.onerror = onError;
  const end = () => void server.close();
  stdin.once('end', end);
  stdin.once('close', end);
  await closed;
}
