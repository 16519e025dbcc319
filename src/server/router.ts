// `:path` routing: `/{package}.{Service}/{Method}`, case-sensitive (PROTOCOL-HTTP2 Appendix A).

import { GrpcError } from '../protocol/grpc-error.js';
import type { MethodDefinition, ServiceDefinition } from '../protocol/schema.js';
import { Status } from '../protocol/status.js';
import type { AnyHandler, ServiceHandlers } from './handlers.js';

/** @internal */
export interface Route {
  readonly method: MethodDefinition;
  readonly handler: AnyHandler;
}

/** @internal */
export class Router {
  private readonly routes = new Map<string, Route>();
  private readonly services = new Map<string, ServiceDefinition>();

  add(service: ServiceDefinition, handlers: ServiceHandlers): void {
    if (this.services.has(service.name)) throw new Error(`service ${service.name} is already registered`);
    const known = new Set(service.methods.flatMap((m) => [m.name, m.localName]));
    for (const key of Object.keys(handlers)) {
      if (!known.has(key)) throw new Error(`${service.name} has no method "${key}"`);
    }
    for (const method of service.methods) {
      // Handlers may be keyed by the .proto name (GetFeature) or lower camel case (getFeature).
      const handler = handlers[method.name] ?? handlers[method.localName];
      // A method without a handler stays unknown: calls to it get UNIMPLEMENTED.
      if (typeof handler === 'function') this.routes.set(method.path, { method, handler: handler.bind(handlers) });
    }
    this.services.set(service.name, service);
  }

  /** Fully qualified names of the registered services. */
  serviceNames(): string[] {
    return [...this.services.keys()];
  }

  serviceDefinitions(): ServiceDefinition[] {
    return [...this.services.values()];
  }

  /** The route for a `:path`, or UNIMPLEMENTED saying why there is none (in grpc-go's words). */
  find(path: string): Route | GrpcError {
    const route = this.routes.get(path);
    if (route) return route;
    const slash = path.lastIndexOf('/');
    if (path[0] !== '/' || slash <= 0) return unimplemented(`malformed method name: "${path}"`);
    const service = path.slice(1, slash);
    const method = path.slice(slash + 1);
    return this.services.has(service)
      ? unimplemented(`unknown method ${method} for service ${service}`)
      : unimplemented(`unknown service ${service}`);
  }
}

function unimplemented(message: string): GrpcError {
  return new GrpcError(Status.UNIMPLEMENTED, message);
}
