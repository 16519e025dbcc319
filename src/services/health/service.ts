// grpc.health.v1.Health (doc/health-checking.md): Check answers the current status (NOT_FOUND for an unknown service);
// Watch sends the current status at once, then every change, and stays open — an unknown service
// gets SERVICE_UNKNOWN and, later, its real status if it becomes known.

import { GrpcError } from '../../protocol/grpc-error.js';
import { Status } from '../../protocol/status.js';
import type { ServerCall } from '../../server/call.js';

export type ServingStatus = 'SERVING' | 'NOT_SERVING';
type WatchedStatus = ServingStatus | 'SERVICE_UNKNOWN';

interface HealthRequest {
  service?: string;
}

/** Serving statuses by service name; `""` is the server as a whole (doc/health-checking.md). */
export class HealthService {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Map<string, Set<(status: WatchedStatus) => void>>();
  private frozen = false;

  /** Sets a service's status (`""` = the whole server) and tells its watchers. Ignored once shut down. */
  setStatus(service: string, status: ServingStatus): void {
    if (this.frozen) return;
    this.update(service, status);
  }

  /** The current status, or undefined for a service never set. */
  getStatus(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** Forgets a service: Check answers NOT_FOUND, watchers see SERVICE_UNKNOWN. */
  clearStatus(service: string): void {
    if (this.frozen || !this.statuses.delete(service)) return;
    this.notify(service, 'SERVICE_UNKNOWN');
  }

  /**
   * Every status becomes NOT_SERVING and stays so (later setStatus calls are ignored): the server is
   * going away. Called by the server's shutdown before it drains (docs/operating.md, Graceful
   * shutdown). Watch calls send NOT_SERVING, then end with UNAVAILABLE so that they do not hold up
   * the drain (a watcher retries with backoff on any end but UNIMPLEMENTED:
   * proto/grpc/health/v1/health.proto).
   */
  shutdown(): void {
    for (const service of this.statuses.keys()) this.update(service, 'NOT_SERVING');
    this.frozen = true;
    for (const [service, listeners] of this.watchers) {
      for (const listener of listeners) listener(this.statuses.get(service) ?? 'SERVICE_UNKNOWN');
    }
  }

  readonly handlers = {
    Check: (request: HealthRequest) => {
      const service = request.service ?? '';
      const status = this.statuses.get(service);
      if (!status) throw new GrpcError(Status.NOT_FOUND, `unknown service ${JSON.stringify(service)}`);
      return { status };
    },

    Watch: async (request: HealthRequest, call: ServerCall<HealthRequest, { status: WatchedStatus }>) => {
      const service = request.service ?? '';
      // Statuses are sent in order, each after the previous one went out; only the latest pending
      // one matters (a watcher wants the current state, not every flap).
      let pending: WatchedStatus | undefined = this.statuses.get(service) ?? 'SERVICE_UNKNOWN';
      let wake: (() => void) | undefined;
      const listener = (status: WatchedStatus) => {
        pending = status;
        wake?.();
      };
      let set = this.watchers.get(service);
      if (!set) this.watchers.set(service, (set = new Set()));
      set.add(listener);
      const ended = new Promise<void>((resolve) =>
        call.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      let last: WatchedStatus | undefined;
      try {
        while (!call.ended) {
          if (pending !== undefined && pending !== last) {
            last = pending;
            pending = undefined;
            await call.send({ status: last });
            continue;
          }
          pending = undefined;
          if (this.frozen) throw new GrpcError(Status.UNAVAILABLE, 'server is shutting down');
          await Promise.race([ended, new Promise<void>((resolve) => (wake = resolve))]);
          wake = undefined;
        }
      } finally {
        set.delete(listener);
        if (set.size === 0) this.watchers.delete(service);
      }
    },
  };

  private update(service: string, status: ServingStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    this.notify(service, status);
  }

  private notify(service: string, status: WatchedStatus): void {
    for (const listener of this.watchers.get(service) ?? []) listener(status);
  }
}
