// The grpc.testing messages as TypeScript types (field names as in proto/grpc/testing/messages.proto).
// Decoded messages leave absent message fields null or undefined.

/** PayloadType: the only value is COMPRESSABLE (0). */
export const COMPRESSABLE = 0;

/** grpc.testing.Empty: no fields. */
export type Empty = Record<string, never>;

export interface BoolValue {
  value?: boolean;
}

export interface Payload {
  type?: number;
  body?: Uint8Array;
}

export interface EchoStatus {
  code?: number;
  message?: string;
}

export interface SimpleRequest {
  response_type?: number;
  response_size?: number;
  payload?: Payload | null;
  fill_username?: boolean;
  fill_oauth_scope?: boolean;
  response_compressed?: BoolValue | null;
  response_status?: EchoStatus | null;
  expect_compressed?: BoolValue | null;
  fill_server_id?: boolean;
  fill_grpclb_route_type?: boolean;
}

export interface SimpleResponse {
  payload?: Payload | null;
  username?: string;
  oauth_scope?: string;
  server_id?: string;
  grpclb_route_type?: number;
  hostname?: string;
}

export interface StreamingInputCallRequest {
  payload?: Payload | null;
  expect_compressed?: BoolValue | null;
}

export interface StreamingInputCallResponse {
  aggregated_payload_size?: number;
}

export interface ResponseParameters {
  size?: number;
  interval_us?: number;
  compressed?: BoolValue | null;
}

export interface StreamingOutputCallRequest {
  response_type?: number;
  response_parameters?: ResponseParameters[];
  payload?: Payload | null;
  response_status?: EchoStatus | null;
}

export interface StreamingOutputCallResponse {
  payload?: Payload | null;
}
