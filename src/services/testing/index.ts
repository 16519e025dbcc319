export {
  testServiceDefinition,
  unimplementedServiceDefinition,
  TEST_PROTO,
  TEST_SERVICE,
  UNIMPLEMENTED_SERVICE,
} from './definition.js';
export { testServiceHandlers, ECHO_INITIAL_KEY, ECHO_TRAILING_KEY, type TestServiceHandlers } from './service.js';
export { INTEROP_CASES, NEGATIVE_HTTP2_CASES, isInteropCase, type InteropCaseName } from './case-names.js';
export { runInteropCase, type InteropTarget, type TestServiceClient } from './interop-cases.js';
export { InteropFailure } from './interop-assert.js';
export type * from './types.js';
