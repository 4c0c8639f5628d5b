/**
 * `headroom-ai/middleware`: compression for apps that relay model calls, in Hono and in the Node
 * `(req, res, next)` form Express and Connect accept, and as a Fastify plugin.
 */
export type { SetupCheck, SetupReport } from '../sdk/validate-setup.js';
export { type HeadroomFastifyPlugin, headroomFastify } from './fastify.js';
export { type HeadroomHonoMiddleware, headroomHono } from './hono.js';
export { type HeadroomRequest, headroomNode, type NodeMiddleware } from './node.js';
export type {
  HeadroomMiddlewareOptions,
  MiddlewareHandle,
  MiddlewareValidateOptions,
  ModelApi,
} from './runtime.js';
