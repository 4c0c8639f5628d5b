export type { CompressOptions, SavingsProfile } from './compress/options.js';
export type { BlockDecision, CompressResult } from './compress/result.js';
export { HeadroomError, type HeadroomErrorCode } from './errors.js';
export { compress, configureRetrieval, retrieve, simulate } from './library.js';
export {
  SharedContext,
  type SharedContextOptions,
  type SharedContextStats,
  type SharedEntryInfo,
} from './sdk/shared-context.js';
export type { RetrievalStoreLimits } from './store/memory-store.js';
