import { UPSTREAM_UNREACHABLE } from './savings.js';

/** The provider could not be reached: not a savings problem, so it is told apart. */
export const UNREACHABLE_HELP =
  'the provider could not be reached, so those requests failed (502): check the upstream URL, the network and any HTTP(S)_PROXY';

/**
 * What each passthrough reason means for the user and what to do about it: `doctor` and the dashboard
 * show these beside the commonest reasons requests went through unchanged.
 */
export const REASON_HELP: Readonly<Record<string, string>> = {
  'nothing-to-compress':
    'no tool output was large enough to compress (blocks under ~250 tokens pass through)',
  disabled: 'the session ran with --no-optimize',
  timeout: 'compression of new blocks hit its deadline; they went out raw, earlier blocks as before',
  'compression-error': 'compression failed and those blocks went out raw; please report it with the log',
  'store-error': 'originals could not be written to the store (disk full?); those blocks went out raw',
  'too-large': 'request bodies over 64 MiB are streamed through without compression',
  'unparseable-body': 'request bodies were not JSON headroom could read',
  cancelled:
    'the agent closed the request (Esc, its own timeout) before it was sent on, so nothing was billed',
  refused:
    'the provider answered with an error (an HTTP 4xx/5xx, or an error event on the Responses WebSocket) before running the request, so nothing was billed',
  [UPSTREAM_UNREACHABLE]: UNREACHABLE_HELP,
};
