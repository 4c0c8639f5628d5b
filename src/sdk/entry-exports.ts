/**
 * What every SDK entry point (`headroom/anthropic`, `headroom/openai`, `headroom/vercel-ai`) exports
 * besides its own wrapper, kept in one place so the three cannot drift apart.
 */
export { RETRIEVE_TOOL } from '../compress/resolve-options.js';
export type {
  HeadroomHandle,
  HeadroomSdkOptions,
  HeadroomStats,
  ModelStats,
  RetrievalOptions,
} from './common.js';
