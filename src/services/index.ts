// `routeguide-h2/services`: RouteGuide (handlers, feature database, typed client), and the
// standard services any server can add — health, reflection, and the interop TestService.

export * from './routeguide/index.js';
export {
  addHealth,
  HealthService,
  healthDefinition,
  type AddHealthOptions,
  type ServingStatus,
} from './health/index.js';
export { addReflection, reflectionDefinitions, ReflectionResponder, ReflectionClient } from './reflection/index.js';
export {
  testServiceDefinition,
  testServiceHandlers,
  runInteropCase,
  INTEROP_CASES,
  type InteropCaseName,
  type InteropTarget,
} from './testing/index.js';
