// RouteGuide handlers with the canonical semantics (grpc-go and grpc-js route_guide examples).

import type { ServerCall } from '../../server/call.js';
import type { ServiceHandlers } from '../../server/handlers.js';
import type { FeatureDb } from './feature-db.js';
import { distanceMetres, inRectangle } from './geo.js';
import { NoteStore } from './note-store.js';
import type { Feature, Point, Rectangle, RouteNote, RouteSummary } from './types.js';

const ORIGIN: Point = { latitude: 0, longitude: 0 };

export interface RouteGuideHandlers extends ServiceHandlers {
  getFeature(point: Point): Feature;
  listFeatures(rect: Rectangle, call: ServerCall<Rectangle, Feature>): Promise<void>;
  recordRoute(call: ServerCall<Point, RouteSummary>): Promise<RouteSummary>;
  routeChat(call: ServerCall<RouteNote, RouteNote>): Promise<void>;
}

/**
 * Builds the handlers over a feature database. Route notes are kept per location and shared by all
 * RouteChat streams of the server.
 */
export function routeGuideHandlers(db: FeatureDb): RouteGuideHandlers {
  const notes = new NoteStore();

  return {
    // The feature at the point, or an unnamed feature with that location.
    getFeature(point: Point): Feature {
      return db.at(point) ?? { name: '', location: point };
    },

    // Every feature inside the rectangle (corners in any order), streamed.
    async listFeatures(rect: Rectangle, call: ServerCall<Rectangle, Feature>): Promise<void> {
      const lo = rect.lo ?? ORIGIN;
      const hi = rect.hi ?? ORIGIN;
      for (const feature of db.features) {
        if (feature.location && inRectangle(feature.location, lo, hi)) await call.send(feature);
      }
    },

    // Points counted, named features passed, distance (sum of truncated haversine legs), seconds taken.
    async recordRoute(call: ServerCall<Point, RouteSummary>): Promise<RouteSummary> {
      const start = Date.now();
      let pointCount = 0;
      let featureCount = 0;
      let distance = 0;
      let previous: Point | undefined;
      for await (const point of call) {
        pointCount++;
        if (db.at(point)?.name) featureCount++;
        if (previous) distance += distanceMetres(previous, point);
        previous = point;
      }
      return {
        point_count: pointCount,
        feature_count: featureCount,
        distance,
        elapsed_time: Math.trunc((Date.now() - start) / 1000),
      };
    },

    // For each note: store it under its location, then send back every note stored there so far.
    async routeChat(call: ServerCall<RouteNote, RouteNote>): Promise<void> {
      for await (const note of call) {
        // The notes stored at its location so far, this one last (sent as received); notes that other
        // streams add while we send are not included.
        const count = notes.add(note);
        for (let i = 0; i < count - 1; i++) await call.send(notes.at(note.location, i));
        await call.send(note);
      }
    },
  };
}
