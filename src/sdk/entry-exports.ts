/**
 * What every SDK entry point (`headroom/anthropic`, `headroom/openai`, `headroom/vercel-ai`, `headroom/langchain`) exports
 * besides its own wrapper, kept in one place so they cannot drift apart.
 */
export { RETRIEVE_TOOL } from '../compress/resolve-options.js';
export type {
  HeadroomHandle,
  HeadroomSdkOptions,
  HeadroomStats,
  ModelStats,
  RetrievalOptions,
  ValidateSetupOptions,
} from './common.js';
export type { SetupCheck, SetupReport } from './validate-setup.js';
