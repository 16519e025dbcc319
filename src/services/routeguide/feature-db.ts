// The feature database: a JSON array of {location: {latitude, longitude}, name}, the canonical
// route_guide_db.json of the gRPC examples (100 places around New Jersey and New York).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR } from '../../paths.js';
import type { Feature, Point } from './types.js';

export const DEFAULT_FEATURE_DB = join(DATA_DIR, 'route_guide_db.json');

export class FeatureDb {
  readonly features: readonly Feature[];
  // latitude → longitude → feature: a lookup without building a key string per call.
  private readonly byLocation = new Map<number, Map<number, Feature>>();

  constructor(features: Feature[]) {
    this.features = features;
    for (const f of features) {
      const { latitude, longitude } = f.location ?? { latitude: 0, longitude: 0 };
      let row = this.byLocation.get(latitude);
      if (!row) this.byLocation.set(latitude, (row = new Map<number, Feature>()));
      // The first feature at a location wins, as in the canonical linear search.
      if (!row.has(longitude)) row.set(longitude, f);
    }
  }

  static load(path = DEFAULT_FEATURE_DB): FeatureDb {
    const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (!Array.isArray(raw)) throw new Error(`${path}: expected a JSON array of features`);
    const features = (raw as { name?: unknown; location?: { latitude?: unknown; longitude?: unknown } }[]).map(
      (f, i): Feature => {
        const latitude = f?.location?.latitude;
        const longitude = f?.location?.longitude;
        if (!Number.isInteger(latitude) || !Number.isInteger(longitude)) {
          throw new Error(`${path}: feature ${i} has no integer location`);
        }
        const name = typeof f.name === 'string' ? f.name : '';
        return { name, location: { latitude: latitude as number, longitude: longitude as number } };
      },
    );
    return new FeatureDb(features);
  }

  /** The feature at exactly this point (its name may be empty), if the database has one. */
  at(point: Point | null | undefined): Feature | undefined {
    return this.byLocation.get(point?.latitude ?? 0)?.get(point?.longitude ?? 0);
  }
}
