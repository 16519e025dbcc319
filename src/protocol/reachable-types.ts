// SPEED ONLY, shared by the generated codecs (direct-encoder.ts, direct-decoder.ts): which message
// types a codec generated for one type must cover.

import protobuf from 'protobufjs';

/**
 * Every message type reachable from `type` through its fields, `type` first — or undefined when
 * `covers` refuses a field of one of them (the codec then leaves `type` to protobufjs). Fields are
 * resolved first, so `covers` can read `field.resolvedType`.
 */
export function reachableTypes(
  type: protobuf.Type,
  covers: (field: protobuf.Field) => boolean,
): protobuf.Type[] | undefined {
  const types: protobuf.Type[] = [];
  const visit = (t: protobuf.Type): boolean => {
    if (types.includes(t)) return true;
    types.push(t);
    for (const field of t.fieldsArray) {
      field.resolve();
      if (!covers(field)) return false;
      if (field.resolvedType instanceof protobuf.Type && !visit(field.resolvedType)) return false;
    }
    return true;
  };
  return visit(type) ? types : undefined;
}
