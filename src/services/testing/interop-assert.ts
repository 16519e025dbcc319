// Assertions for the interop client cases: each failure names what was expected and what came back.

import { GrpcError } from '../../protocol/grpc-error.js';
import { statusName } from '../../protocol/status.js';
import { COMPRESSABLE, type Payload } from './types.js';

/** A failed interop assertion: the message is the reason printed by `routeguide interop-client`. */
export class InteropFailure extends Error {
  override readonly name = 'InteropFailure';
}

export function check(condition: unknown, reason: string): asserts condition {
  if (!condition) throw new InteropFailure(reason);
}

/** `size` zero bytes: the request and response bodies of every case. */
export function zeros(size: number): Buffer {
  return Buffer.alloc(size);
}

/** A payload of type COMPRESSABLE whose body is `size` zero bytes. */
export function checkPayload(payload: Payload | null | undefined, size: number, what: string): void {
  check(payload, `${what}: no payload`);
  check(
    (payload.type ?? COMPRESSABLE) === COMPRESSABLE,
    `${what}: payload type ${payload.type}, expected COMPRESSABLE`,
  );
  const body = payload.body ?? new Uint8Array(0);
  check(body.length === size, `${what}: payload body is ${body.length} bytes, expected ${size}`);
  check(
    body.every((b) => b === 0),
    `${what}: payload body is not all zeros`,
  );
}

export function describeError(error: unknown): string {
  if (error instanceof GrpcError) return `status ${error.codeName} (${error.code}): ${JSON.stringify(error.details)}`;
  return error instanceof Error ? error.message : String(error);
}

/** Resolves with the GrpcError when `call` fails with `code`; anything else is an InteropFailure. */
export async function expectStatus(call: Promise<unknown>, code: number, what: string): Promise<GrpcError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof GrpcError && error.code === code) return error;
    throw new InteropFailure(`${what}: expected status ${statusName(code)}, got ${describeError(error)}`);
  }
  throw new InteropFailure(`${what}: expected status ${statusName(code)}, but the call succeeded`);
}

/** Resolves with the GrpcError when `call` fails (any status); success is an InteropFailure. */
export async function expectFailure(call: Promise<unknown>, what: string): Promise<GrpcError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof GrpcError) return error;
    throw new InteropFailure(`${what}: expected a failed call, got ${describeError(error)}`);
  }
  throw new InteropFailure(`${what}: expected the call to fail, but it succeeded`);
}
