// FileDescriptorProtos for server reflection, built from the protobufjs reflection objects the
// server's services were loaded from: one descriptor per .proto file, with its dependencies.
//
// protobufjs' own `Root#toDescriptor` guesses one file per package and "dependencies are not
// supported", so the descriptors are assembled here instead (the message encoding still comes from
// protobufjs/ext/descriptor). What protoc would write, and what reflection clients rely on:
//   - `name` is the import path of the file (`route_guide.proto`, `grpc/health/v1/health.proto`) and
//     `dependency` lists the same names, so clients can ask for each by file_by_filename (doc/server-reflection.md);
//   - type references are fully qualified (`.routeguide.Point`);
//   - field names keep the .proto spelling, `json_name` is their lowerCamelCase form;
//   - map fields become repeated `XxxEntry` messages with `map_entry`;
//   - proto3 `optional` fields get their synthetic oneof after the real ones.

import { relative, sep } from 'node:path';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { PROTO_DIR } from '../../paths.js';

const { Enum, MapField, Namespace, OneOf, Service, Type } = protobuf;
type ReflectionObject = protobuf.ReflectionObject;

/** A file of the pool: its serialized FileDescriptorProto and the names of the files it imports. */
export interface DescriptorFile {
  readonly name: string;
  readonly dependencies: readonly string[];
  readonly bytes: Uint8Array;
}

/** Every file reachable from a set of protobufjs roots, and which file declares each symbol. */
export class DescriptorPool {
  private readonly files = new Map<string, DescriptorFile>();
  private readonly symbols = new Map<string, string>();

  constructor(roots: Iterable<protobuf.Root>) {
    const grouped = new Map<string, FileContents>();
    for (const root of new Set(roots)) collectFiles(root, grouped);
    for (const contents of grouped.values()) {
      const { message, dependencies } = fileDescriptor(contents);
      const bytes = descriptor.FileDescriptorProto.encode(message).finish();
      this.files.set(contents.name, { name: contents.name, dependencies, bytes });
      for (const symbol of contents.symbols) if (!this.symbols.has(symbol)) this.symbols.set(symbol, contents.name);
    }
  }

  /** The file declaring a fully qualified symbol (`pkg.Service`, `pkg.Service.Method`, `pkg.Msg.Nested`, ...). */
  fileContainingSymbol(symbol: string): string | undefined {
    return this.symbols.get(symbol.replace(/^\./, ''));
  }

  fileNames(): string[] {
    return [...this.files.keys()];
  }

  /** The file and every file it depends on, transitively; the requested file first. */
  withDependencies(name: string): DescriptorFile[] | undefined {
    const first = this.files.get(name);
    if (!first) return undefined;
    const out: DescriptorFile[] = [];
    const seen = new Set<string>();
    const visit = (file: DescriptorFile) => {
      if (seen.has(file.name)) return;
      seen.add(file.name);
      out.push(file);
      for (const dep of file.dependencies) {
        const next = this.files.get(dep);
        if (next) visit(next);
      }
    };
    visit(first);
    return out;
  }
}

interface FileContents {
  name: string;
  package: string;
  syntax: string;
  /** Top-level messages, enums and services, in declaration order. */
  objects: ReflectionObject[];
  symbols: string[];
}

/** Groups the top-level declarations of `ns` (recursively through packages) by the file that declared them. */
function collectFiles(ns: protobuf.NamespaceBase, out: Map<string, FileContents>): void {
  for (const nested of ns.nestedArray) {
    if (nested instanceof Type || nested instanceof Enum || nested instanceof Service) {
      const pkg = ns.fullName.replace(/^\./, '');
      const name = fileNameOf(nested, pkg);
      let file = out.get(name);
      if (!file) {
        const edition = (nested as unknown as { _edition?: string })._edition;
        file = { name, package: pkg, syntax: edition ?? 'proto3', objects: [], symbols: [] };
        out.set(name, file);
      }
      file.objects.push(nested);
      addSymbols(nested, file.symbols);
    } else if (nested instanceof Namespace) {
      collectFiles(nested, out);
    }
  }
}

function addSymbols(object: ReflectionObject, symbols: string[]): void {
  const name = object.fullName.replace(/^\./, '');
  symbols.push(name);
  if (object instanceof Service) for (const m of object.methodsArray) symbols.push(`${name}.${m.name}`);
  if (object instanceof Enum) {
    // protoc scopes enum values beside their enum (C++ scoping rules).
    const scope = name.slice(0, name.lastIndexOf('.') + 1);
    for (const value of Object.keys(object.values)) symbols.push(`${scope}${value}`, `${name}.${value}`);
  }
  if (object instanceof Type) {
    for (const field of object.fieldsArray) symbols.push(`${name}.${field.name}`);
    for (const oneof of object.oneofsArray) symbols.push(`${name}.${oneof.name}`);
    for (const nested of object.nestedArray)
      if (nested instanceof Type || nested instanceof Enum) addSymbols(nested, symbols);
  }
}

// The bundled well-known types (google/protobuf/*.proto) are added from JSON, without a file name.
const WELL_KNOWN_FILES = new Map<string, string>();
for (const [file, json] of Object.entries(protobuf.common as unknown as Record<string, { nested?: object }>)) {
  if (!file.endsWith('.proto') || !json?.nested) continue;
  type Nested = { nested?: Record<string, Nested> };
  const google = (json as Nested).nested?.google?.nested?.protobuf?.nested ?? {};
  for (const type of Object.keys(google)) WELL_KNOWN_FILES.set(`google.protobuf.${type}`, file);
}

/**
 * The import path of the file that declared `object`: relative to the package's proto/ directory,
 * else the trailing `pkg/path/file.proto` when the path mirrors the package, else the base name.
 */
export function fileNameOf(object: ReflectionObject, pkg: string): string {
  const path = object.filename;
  if (!path)
    return WELL_KNOWN_FILES.get(object.fullName.replace(/^\./, '')) ?? `${pkg.replace(/\./g, '/') || 'root'}.proto`;
  const underProtoDir = relative(PROTO_DIR, path);
  if (!underProtoDir.startsWith('..') && !underProtoDir.startsWith(sep) && underProtoDir !== path) {
    return underProtoDir.split(sep).join('/');
  }
  const normalized = path.split(sep).join('/');
  const base = normalized.slice(normalized.lastIndexOf('/') + 1);
  const mirrored = `${pkg.replace(/\./g, '/')}/${base}`;
  if (pkg && (normalized === mirrored || normalized.endsWith(`/${mirrored}`))) return mirrored;
  return base;
}

// FieldDescriptorProto.Type numbers for the scalar types.
const SCALAR_TYPES: Record<string, number> = {
  double: 1,
  float: 2,
  int64: 3,
  uint64: 4,
  int32: 5,
  fixed64: 6,
  fixed32: 7,
  bool: 8,
  string: 9,
  bytes: 12,
  uint32: 13,
  sfixed32: 15,
  sfixed64: 16,
  sint32: 17,
  sint64: 18,
};
const TYPE_MESSAGE = 11;
const TYPE_ENUM = 14;
const LABEL_OPTIONAL = 1;
const LABEL_REQUIRED = 2;
const LABEL_REPEATED = 3;

/** protoc's ToJsonName: drop underscores, upper-case the letter after each. */
export function jsonName(name: string): string {
  return name.replace(/_+([a-zA-Z0-9]?)/g, (_, c: string) => c.toUpperCase());
}

/** protoc's map entry name: `feature_names` → `FeatureNamesEntry`. */
function mapEntryName(field: string): string {
  const camel = jsonName(field);
  return `${camel.charAt(0).toUpperCase()}${camel.slice(1)}Entry`;
}

function fileDescriptor(file: FileContents): { message: protobuf.Message; dependencies: string[] } {
  const dependencies = new Set<string>();
  const ctx: Ctx = { file, dependencies };
  const message: Record<string, unknown> = {
    name: file.name,
    messageType: [],
    enumType: [],
    service: [],
    dependency: [],
  };
  if (file.package) message.package = file.package;
  if (file.syntax === 'proto3') message.syntax = 'proto3';
  else if (file.syntax !== 'proto2') {
    message.syntax = 'editions';
    message.edition = 1000; // EDITION_2023
  }
  for (const object of file.objects) {
    if (object instanceof Type) (message.messageType as unknown[]).push(messageDescriptor(object, ctx));
    else if (object instanceof Enum) (message.enumType as unknown[]).push(enumDescriptor(object));
    else if (object instanceof Service) (message.service as unknown[]).push(serviceDescriptor(object, ctx));
  }
  dependencies.delete(file.name);
  message.dependency = [...dependencies].sort();
  return { message: descriptor.FileDescriptorProto.fromObject(message), dependencies: message.dependency as string[] };
}

interface Ctx {
  file: FileContents;
  dependencies: Set<string>;
}

/** A fully qualified type reference, recording the file it comes from as a dependency. */
function typeRef(type: protobuf.Type | protobuf.Enum, ctx: Ctx): string {
  const top = topLevel(type);
  ctx.dependencies.add(fileNameOf(top, top.parent?.fullName.replace(/^\./, '') ?? ''));
  return type.fullName; // `.pkg.Name`, leading dot = fully qualified
}

function topLevel(object: ReflectionObject): ReflectionObject {
  let current = object;
  while (current.parent instanceof Type) current = current.parent;
  return current;
}

function messageDescriptor(type: protobuf.Type, ctx: Ctx): Record<string, unknown> {
  const realOneofs = type.oneofsArray.filter((o) => !isSynthetic(o));
  const oneofs = [...realOneofs, ...type.oneofsArray.filter(isSynthetic)];
  const nestedType: unknown[] = [];
  const enumType: unknown[] = [];
  const field = type.fieldsArray.map((f) => {
    if (f instanceof MapField) {
      const entry = mapEntryName(f.name);
      nestedType.push({
        name: entry,
        field: [
          scalarOrRef('key', 1, f.keyType, undefined, LABEL_OPTIONAL, ctx),
          scalarOrRef('value', 2, f.type, f.resolvedType, LABEL_OPTIONAL, ctx),
        ],
        options: { mapEntry: true },
      });
      return {
        name: f.name,
        jsonName: jsonName(f.name),
        number: f.id,
        label: LABEL_REPEATED,
        type: TYPE_MESSAGE,
        typeName: `${type.fullName}.${entry}`,
      };
    }
    const label = f.repeated
      ? LABEL_REPEATED
      : f.required && ctx.file.syntax === 'proto2'
        ? LABEL_REQUIRED
        : LABEL_OPTIONAL;
    const out = scalarOrRef(f.name, f.id, f.type, f.resolvedType, label, ctx);
    if (f.partOf) out.oneofIndex = oneofs.indexOf(f.partOf);
    if (f.options?.proto3_optional) out.proto3Optional = true;
    const fieldOptions: Record<string, unknown> = {};
    if (f.options?.packed !== undefined) fieldOptions.packed = f.options.packed;
    if (f.options?.deprecated) fieldOptions.deprecated = true;
    if (Object.keys(fieldOptions).length > 0) out.options = fieldOptions;
    if (f.options?.default !== undefined) out.defaultValue = String(f.options.default);
    return out;
  });
  for (const nested of type.nestedArray) {
    if (nested instanceof Type) nestedType.push(messageDescriptor(nested, ctx));
    else if (nested instanceof Enum) enumType.push(enumDescriptor(nested));
  }
  const reservedRange: unknown[] = [];
  const reservedName: string[] = [];
  for (const r of type.reserved ?? []) {
    if (typeof r === 'string') reservedName.push(r);
    else reservedRange.push({ start: r[0], end: r[1] + 1 }); // descriptor ranges are end-exclusive
  }
  const extensionRange = (type.extensions ?? []).map(([start, end]) => ({ start, end: end + 1 }));
  return {
    name: type.name,
    field,
    nestedType,
    enumType,
    oneofDecl: oneofs.map((o) => ({ name: o.name })),
    reservedRange,
    reservedName,
    extensionRange,
  };
}

function isSynthetic(oneof: protobuf.OneOf): boolean {
  return (
    oneof instanceof OneOf && oneof.fieldsArray.length === 1 && oneof.fieldsArray[0].options?.proto3_optional === true
  );
}

function scalarOrRef(
  name: string,
  number: number,
  typeName: string,
  resolved: protobuf.Type | protobuf.Enum | null | undefined,
  label: number,
  ctx: Ctx,
): Record<string, unknown> {
  const out: Record<string, unknown> = { name, jsonName: jsonName(name), number, label };
  const scalar = SCALAR_TYPES[typeName];
  if (scalar !== undefined) out.type = scalar;
  else if (resolved instanceof Enum) Object.assign(out, { type: TYPE_ENUM, typeName: typeRef(resolved, ctx) });
  else if (resolved instanceof Type) Object.assign(out, { type: TYPE_MESSAGE, typeName: typeRef(resolved, ctx) });
  else throw new Error(`reflection: unresolved type "${typeName}" of field ${name}`);
  return out;
}

function enumDescriptor(e: protobuf.Enum): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: e.name,
    value: Object.entries(e.values).map(([name, number]) => ({ name, number })),
  };
  if (e.options?.allow_alias) out.options = { allowAlias: true };
  return out;
}

function serviceDescriptor(service: protobuf.Service, ctx: Ctx): Record<string, unknown> {
  return {
    name: service.name,
    method: service.methodsArray.map((m) => {
      m.resolve();
      const input = m.resolvedRequestType!;
      const output = m.resolvedResponseType!;
      const out: Record<string, unknown> = {
        name: m.name,
        inputType: typeRef(input, ctx),
        outputType: typeRef(output, ctx),
      };
      if (m.requestStream) out.clientStreaming = true;
      if (m.responseStream) out.serverStreaming = true;
      return out;
    }),
  };
}
