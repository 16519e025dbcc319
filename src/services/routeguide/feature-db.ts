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
      if (!row) this.byLocation.set(latitude, (row = new Map()));
      // The first feature at a location wins, as in the canonical linear search.
      if (!row.has(longitude)) row.set(longitude, f);
    }
  }

  static load(path = DEFAULT_FEATURE_DB): FeatureDb {
    const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (!Array.isArray(raw)) throw new Error(`${path}: expected a JSON array of features`);
    const features = raw.map((f, i): Feature => {
      const lat = f?.location?.latitude;
      const lng = f?.location?.longitude;
      if (!Number.isInteger(lat) || !Number.isInteger(lng))
        throw new Error(`${path}: feature ${i} has no integer location`);
      return { name: typeof f.name === 'string' ? f.name : '', location: { latitude: lat, longitude: lng } };
    });
    return new FeatureDb(features);
  }

  /** The feature at exactly this point (its name may be empty), if the database has one. */
  at(point: Point | null | undefined): Feature | undefined {
    return this.byLocation.get(point?.latitude ?? 0)?.get(point?.longitude ?? 0);
  }
}
