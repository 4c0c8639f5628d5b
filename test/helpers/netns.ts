/**
 * End-to-end scenarios that must not reach any outside host, whatever the agent tries: each runs in its
 * own network namespace holding only a loopback interface (`unshare -rnm`), with everything it needs
 * (fake provider, `headroom wrap`, tmux server, agent) started inside. A private mount namespace lets the
 * scenario point /etc/resolv.conf at a DNS listener of its own on 127.0.0.1, which records the outside
 * names the agent looks up and refuses them.
 *
 * `runIsolated` is the test side (outside); `isolate` runs first in the scenario (inside).
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { ROOT } from './cli.js';
import { closeTerminalsIn } from './tmux.js';

const run = promisify(execFile);
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/** How the scenario proved it was cut off before starting anything. */
export interface Isolation {
  /** The network interfaces the namespace has: only `lo`. */
  readonly interfaces: string[];
  /** The error a lookup of an outside name got through the machine's own resolver settings. */
  readonly outsideLookup: string;
}

export interface Isolated {
  readonly isolation: Isolation;
  /** The names looked up so far (each asked of the scenario's DNS listener, and refused). */
  lookups(): string[];
  close(): Promise<void>;
}

/** The name asked in a DNS query (RFC 1035 §4.1.2), or undefined when the packet is not one. */
function questionName(packet: Buffer): string | undefined {
  const labels: string[] = [];
  let at = 12;
  while (at < packet.length) {
    const size = packet[at]!;
    if (size === 0) return labels.join('.');
    if (size > 63 || at + 1 + size > packet.length) return undefined;
    labels.push(packet.subarray(at + 1, at + 1 + size).toString('latin1'));
    at += 1 + size;
  }
  return undefined;
}

/** The query sent back as a REFUSED answer: same id and question, no records. */
function refused(query: Buffer): Buffer {
  const answer = Buffer.from(query);
  answer[2] = 0x80 | (query[2]! & 0x79); // QR set, opcode and RD kept
  answer[3] = 0x80 | 5; // RA, RCODE 5 = REFUSED
  answer.writeUInt32BE(0, 6); // no answer or authority records
  answer.writeUInt16BE(0, 10); // and no additional ones (an EDNS OPT record is dropped with the length)
  const end = questionEnd(query);
  return end === undefined ? answer : answer.subarray(0, end);
}

function questionEnd(packet: Buffer): number | undefined {
  let at = 12;
  while (at < packet.length && packet[at] !== 0) at += 1 + packet[at]!;
  return at < packet.length ? at + 5 : undefined;
}

/**
 * Inside the namespace, before anything else: checks that only loopback exists (and stops there if not,
 * so nothing is ever sent out), that an outside name cannot be resolved, then routes DNS to a listener on
 * 127.0.0.1 that records each name asked. `scratch` holds the replacement resolv.conf.
 */
export async function isolate(scratch: string): Promise<Isolated> {
  const interfaces = Object.keys(networkInterfaces());
  if (interfaces.some((name) => name !== 'lo')) {
    throw new Error(`not isolated: the namespace has the interfaces ${interfaces.join(', ')}`);
  }
  const outsideLookup = await lookup('example.com').then(
    (found) => `resolved to ${found.address}`,
    (error: NodeJS.ErrnoException) => error.code ?? String(error),
  );
  const names: string[] = [];
  const dns = createSocket('udp4');
  dns.on('message', (query, peer) => {
    const name = questionName(query);
    if (name === undefined) return;
    names.push(name);
    dns.send(refused(query), peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    dns.once('error', reject);
    dns.bind(53, '127.0.0.1', resolve);
  });
  const resolvConf = path.join(scratch, 'resolv.conf');
  await writeFile(resolvConf, 'nameserver 127.0.0.1\noptions attempts:1 timeout:1\n');
  await run('mount', ['--bind', resolvConf, '/etc/resolv.conf']);
  return {
    isolation: { interfaces, outsideLookup },
    lookups: () => [...new Set(names)].sort(),
    close: () => new Promise<void>((resolve) => dns.close(() => resolve())),
  };
}

/** What a scenario printed as its last line of stdout. */
export interface ScenarioRun<Report> {
  readonly report: Report;
  readonly stderr: string;
}

/**
 * Runs `scenario` (a TypeScript file, through tsx) with its scratch directory and `args` in a new user,
 * network and mount namespace whose loopback is up, and parses the JSON report it prints last. Throws,
 * saying what is missing, when no namespace can be made: these tests must fail rather than run the agents
 * with the network in reach.
 */
export async function runIsolated<Report>(
  scenario: string,
  scratch: string,
  timeoutMs: number,
  ...args: string[]
): Promise<ScenarioRun<Report>> {
  const result = await execa(
    'unshare',
    ['-rnm', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', TSX, scenario, scratch, ...args],
    { reject: false, timeout: timeoutMs, stdin: 'ignore', cwd: ROOT },
  ).finally(() => closeTerminalsIn(scratch));
  const stdout = String(result.stdout);
  const stderr = String(result.stderr);
  if (result.exitCode !== 0 || stdout.trim() === '') {
    throw new Error(
      [
        `the scenario ${path.basename(scenario)} did not finish in its network namespace: ${result.shortMessage}`,
        'It needs `unshare` (util-linux) and `ip` (iproute2), and user namespaces (root, or',
        'kernel.unprivileged_userns_clone=1) so that it runs with no route to any outside host.',
        stderr.slice(-4000),
      ].join('\n'),
    );
  }
  return { report: JSON.parse(stdout.trim().split('\n').at(-1)!) as Report, stderr };
}
