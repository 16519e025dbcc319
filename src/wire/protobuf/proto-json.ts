// A decoded protobuf message as proto3 JSON (protobuf.dev "ProtoJSON Format"): field names in
// lowerCamelCase (or their json_name), the fields present on the wire (a zero sent explicitly is
// shown: the tap shows what was sent), 64-bit integers as strings, bytes
// as base64, enums by name, NaN and Infinity as strings, maps as objects, and the well-known types
// in their own forms (Timestamp, Duration, wrappers, Struct/Value/ListValue, FieldMask, Any, Empty).

import protobuf from 'protobufjs';
import { messageReader } from '../../protocol/protobuf-reader.js';
import type { Json } from '../events.js';

type Fields = Record<string, unknown>;

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** `message` (decoded with `type`) as proto3 JSON. */
export function toProto3Json(type: protobuf.Type, message: protobuf.Message | Fields): Json {
  const plan = planOf(type);
  if (plan.wellKnown) return plan.wellKnown(type, message as Fields);
  const out: { [key: string]: Json } = {};
  for (const { name, json, convert } of plan.fields) {
    if (!Object.hasOwn(message, name)) continue; // absent on the wire: a prototype default
    const value = (message as Fields)[name];
    if (value === null || value === undefined) continue;
    out[json] = convert(value);
  }
  return out;
}

/** The fully qualified name without the leading dot: `routeguide.RouteNote`. */
export function typeName(type: protobuf.Type): string {
  return planOf(type).name;
}

// What converting a type needs, worked out once per type: protobufjs computes `fullName` by walking
// up the namespace on every read, and a field's JSON name is a regex replace. Worked out per message
// instead, they took about a tenth of the tap's time on RouteChat (CPU profile of the bench's (c)).
// Likewise how each field's value converts, rather than asking the field's kind for every value.
interface Plan {
  name: string;
  wellKnown: WellKnown | undefined;
  fields: { name: string; json: string; convert: (value: unknown) => Json }[];
}

const plans = new WeakMap<protobuf.Type, Plan>();

function planOf(type: protobuf.Type): Plan {
  let plan = plans.get(type);
  if (!plan) {
    const fullName = type.fullName;
    plan = {
      name: fullName.replace(/^\./, ''),
      wellKnown: WELL_KNOWN[fullName],
      fields: type.fieldsArray.map((field) => ({ name: field.name, json: jsonName(field), convert: converter(field) })),
    };
    plans.set(type, plan);
  }
  return plan;
}

/** How values of `field` become JSON. */
function converter(field: protobuf.Field): (value: unknown) => Json {
  field.resolve();
  if (field instanceof protobuf.MapField || field.repeated) return (value) => fieldValue(field, value);
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return (value) => toProto3Json(resolved, value as Fields);
  if (resolved instanceof protobuf.Enum) return (value) => singleValue(field, value);
  if (LONG_TYPES.has(field.type) || ['bytes', 'double', 'float'].includes(field.type))
    return (value) => scalar(field.type, value);
  return (value) => value as Json; // the 32-bit integers, bool and string are JSON as they are
}

const nullValues = new WeakMap<protobuf.Enum, boolean>();

function isNullValue(e: protobuf.Enum): boolean {
  let is = nullValues.get(e);
  if (is === undefined) nullValues.set(e, (is = e.fullName === '.google.protobuf.NullValue'));
  return is;
}

function fieldValue(field: protobuf.Field, value: unknown): Json {
  if (field instanceof protobuf.MapField) {
    const map: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value as Fields)) setKey(map, k, singleValue(field, v));
    return map;
  }
  if (field.repeated) {
    const list = value as unknown[];
    // A map read from descriptors comes back as its repeated XxxEntry messages: show it as a map.
    const entry = field.resolvedType;
    if (entry instanceof protobuf.Type && (entry.options?.map_entry === true || entry.options?.mapEntry === true)) {
      const map: { [key: string]: Json } = {};
      const { key: keyField, value: valueField } = entry.fields;
      for (const e of list as Fields[]) {
        const key = keyField && e.key !== undefined ? scalar(keyField.type, e.key) : '';
        setKey(
          map,
          typeof key === 'string' ? key : JSON.stringify(key),
          valueField ? singleValue(valueField, e.value) : null,
        );
      }
      return map;
    }
    return list.map((v) => singleValue(field, v));
  }
  return singleValue(field, value);
}

function singleValue(field: protobuf.Field, value: unknown): Json {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    if (isNullValue(resolved)) return null;
    return resolved.valuesById[value as number] ?? (value as number);
  }
  if (resolved instanceof protobuf.Type) return toProto3Json(resolved, value as Fields);
  return scalar(field.type, value);
}

function scalar(type: string, value: unknown): Json {
  if (LONG_TYPES.has(type)) return longString(value, type.startsWith('u') || type === 'fixed64');
  if (type === 'bytes') return Buffer.from(value as Uint8Array).toString('base64');
  if (type === 'double' || type === 'float') {
    const n = value as number;
    return Number.isFinite(n) ? n : String(n);
  }
  return value as Json;
}

/** A Long (or a number, when protobufjs runs without long.js) as its decimal string. */
function longString(value: unknown, unsigned: boolean): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value;
  const long = value as { low: number; high: number };
  const big = (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0);
  return (unsigned ? big : BigInt.asIntN(64, big)).toString();
}

/** json_name when the schema has one, else the name in lowerCamelCase (protoc's rule). */
function jsonName(field: protobuf.Field): string {
  const explicit = field.options?.json_name as unknown;
  if (typeof explicit === 'string') return explicit;
  return field.name.replace(/_+([a-zA-Z0-9]?)/g, (_, c: string) => c.toUpperCase());
}

// ---- well-known types ----

type WellKnown = (type: protobuf.Type, message: Fields) => Json;

const seconds = (m: Fields) => BigInt(longString(m.seconds ?? 0, false));
const nanos = (m: Fields) => Number(m.nanos ?? 0);

/** Fractional seconds with 0, 3, 6 or 9 digits, as the spec writes them. */
function fraction(n: number): string {
  if (n === 0) return '';
  const digits = String(Math.abs(n)).padStart(9, '0');
  return `.${digits.endsWith('000000') ? digits.slice(0, 3) : digits.endsWith('000') ? digits.slice(0, 6) : digits}`;
}

const wrapper: WellKnown = (type, m) =>
  Object.hasOwn(m, 'value') ? fieldValue(type.fields.value, m.value) : defaultWrapped(type);

function defaultWrapped(type: protobuf.Type): Json {
  const t = type.fields.value.type;
  if (t === 'bool') return false;
  if (t === 'string' || t === 'bytes') return '';
  return LONG_TYPES.has(t) ? '0' : 0;
}

/** A field of a well-known type by its .proto name, or by the camelCase name protobufjs' bundled copies use. */
function wkField(m: Fields, name: string): unknown {
  if (Object.hasOwn(m, name)) return m[name];
  const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return Object.hasOwn(m, camel) ? m[camel] : undefined; // absent on the wire: only a prototype default
}

function structValue(m: Fields): Json {
  const number = wkField(m, 'number_value');
  const text = wkField(m, 'string_value');
  const bool = wkField(m, 'bool_value');
  const struct = wkField(m, 'struct_value');
  const list = wkField(m, 'list_value');
  if (typeof number === 'number') return Number.isFinite(number) ? number : String(number);
  if (typeof text === 'string') return text;
  if (typeof bool === 'boolean') return bool;
  if (struct) return structObject(struct as Fields);
  if (list) return ((list as Fields).values as Fields[] | undefined)?.map(structValue) ?? [];
  return null; // null_value, or nothing set
}

function structObject(m: Fields): Json {
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries((m.fields ?? {}) as Record<string, Fields>)) setKey(out, k, structValue(v));
  return out;
}

/**
 * `object[key] = value` for keys that come from the message (map keys, Struct fields): one named
 * `__proto__` is a key like any other, where plain assignment would set the object's prototype.
 */
function setKey(object: { [key: string]: Json }, key: string, value: Json): void {
  if (key === '__proto__')
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

/** camelCase field-access paths of protobuf names, as FieldMask's JSON form. */
const camelPath = (path: string) => path.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

const WELL_KNOWN: Record<string, WellKnown> = {
  '.google.protobuf.Timestamp': (_, m) => {
    const ms = Number(seconds(m)) * 1000;
    const iso = new Date(ms).toISOString().replace(/\.\d{3}Z$/, '');
    return `${iso}${fraction(nanos(m))}Z`;
  },
  '.google.protobuf.Duration': (_, m) => {
    const s = seconds(m);
    const n = nanos(m);
    const negative = s < 0n || n < 0;
    const whole = s < 0n ? -s : s;
    return `${negative ? '-' : ''}${whole}${fraction(Math.abs(n))}s`;
  },
  '.google.protobuf.Empty': () => ({}),
  '.google.protobuf.FieldMask': (_, m) => ((m.paths as string[] | undefined) ?? []).map(camelPath).join(','),
  '.google.protobuf.Struct': (_, m) => structObject(m),
  '.google.protobuf.Value': (_, m) => structValue(m),
  '.google.protobuf.ListValue': (_, m) => ((m.values as Fields[] | undefined) ?? []).map(structValue),
  '.google.protobuf.Any': (type, m) => {
    const typeUrl = wkField(m, 'type_url');
    const url = typeof typeUrl === 'string' ? typeUrl : '';
    const value = (m.value ?? new Uint8Array()) as Uint8Array;
    const name = url.slice(url.lastIndexOf('/') + 1);
    let packed: protobuf.Type | undefined;
    try {
      packed = type.root.lookupType(name);
    } catch {
      packed = undefined;
    }
    if (!packed) return { '@type': url, value: Buffer.from(value).toString('base64') };
    const inner = toProto3Json(packed, packed.decode(messageReader(value)));
    // Types with a JSON form of their own sit under "value"; other messages lend their fields.
    if (WELL_KNOWN[packed.fullName] || inner === null || typeof inner !== 'object' || Array.isArray(inner))
      return { '@type': url, value: inner };
    const out: { [key: string]: Json } = { '@type': url };
    for (const [k, v] of Object.entries(inner)) out[k] = v;
    return out;
  },
};
for (const name of ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'])
  WELL_KNOWN[`.google.protobuf.${name}Value`] = wrapper;
