/** Where the CLI writes; tests pass their own sinks. */
export interface OutputStreams {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface LoggerOptions {
  /** `--json`: stdout carries data only, human lines are dropped (errors still reach stderr). */
  readonly json?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly streams?: OutputStreams;
}

/** The one place human output is written. */
export interface Logger {
  /** Colours for the stream human output goes to; plain when colour is off. */
  readonly color: Colors;
  readonly json: boolean;
  /** Terminal width of stdout, or undefined when stdout is not a terminal. */
  readonly columns: number | undefined;
  /** Whether spinners may run: stderr is a terminal and CI is not set. */
  readonly interactive: boolean;
  /** A report line for stdout (tables, compressed text); dropped in JSON mode. */
  out(line: string): void;
  /** Raw bytes for stdout, even in JSON mode (the data itself). */
  data(text: string): void;
  /** A JSON document on stdout. */
  printJson(value: unknown): void;
  /** A status line on stderr; dropped in JSON mode. */
  info(line: string): void;
  warn(line: string): void;
  /** Always shown, on stderr, JSON mode or not. */
  error(line: string): void;
}

/**
 * Colour level: NO_COLOR wins, then FORCE_COLOR (0 turns it off, 1-3 pick a level), then a terminal
 * gets basic colour and anything else none.
 */
export function colorLevel(env: NodeJS.ProcessEnv, isTTY: boolean): 0 | 1 | 2 | 3 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    if (force === '2') return 2;
    if (force === '3') return 3;
    return 1;
  }
  return isTTY ? 1 : 0;
}

/** The styles the CLI writes in. */
export interface Colors {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

/**
 * Styles at a colour level, as SGR codes (what chalk writes for them). Written by hand: six styles, never
 * nested within their own kind, did not justify loading chalk, ~10 ms of every CLI start.
 */
export function colors(level: 0 | 1 | 2 | 3): Colors {
  const style =
    (open: number, close: number) =>
    (text: string): string =>
      level === 0 || text === '' ? text : `\u001b[${open}m${text}\u001b[${close}m`;
  return {
    bold: style(1, 22),
    dim: style(2, 22),
    red: style(31, 39),
    green: style(32, 39),
    yellow: style(33, 39),
    cyan: style(36, 39),
  };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const env = options.env ?? process.env;
  const streams = options.streams ?? { stdout: process.stdout, stderr: process.stderr };
  const json = options.json ?? false;
  const color = colors(colorLevel(env, streams.stdout.isTTY === true));
  const warnColor = colors(colorLevel(env, streams.stderr.isTTY === true));
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return {
    color,
    json,
    columns: streams.stdout.isTTY === true ? streams.stdout.columns : undefined,
    interactive: streams.stderr.isTTY === true && !ci,
    out(line) {
      if (!json) streams.stdout.write(`${line}\n`);
    },
    data(text) {
      streams.stdout.write(text);
    },
    printJson(value) {
      streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    info(line) {
      if (!json) streams.stderr.write(`${line}\n`);
    },
    warn(line) {
      if (!json) streams.stderr.write(`${warnColor.yellow('warning:')} ${line}\n`);
    },
    error(line) {
      streams.stderr.write(`${warnColor.red('error:')} ${line}\n`);
    },
  };
}
