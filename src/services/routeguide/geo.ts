// Geometry of the canonical RouteGuide server (grpc-go examples/route_guide/server).

import type { Point } from './types.js';

const COORD_FACTOR = 1e7; // E7 representation
const EARTH_RADIUS_M = 6371000;

function toRadians(degrees: number): number {
  return (degrees * Math.PI) / 180;
}

/** Haversine distance in metres, truncated to an integer as the canonical server does (int32(distance)). */
export function distanceMetres(p1: Point, p2: Point): number {
  const lat1 = toRadians(p1.latitude / COORD_FACTOR);
  const lat2 = toRadians(p2.latitude / COORD_FACTOR);
  const lng1 = toRadians(p1.longitude / COORD_FACTOR);
  const lng2 = toRadians(p2.longitude / COORD_FACTOR);
  const dlat = lat2 - lat1;
  const dlng = lng2 - lng1;
  const a = Math.sin(dlat / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin(dlng / 2) ** 2;
  const c = 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
  return Math.trunc(EARTH_RADIUS_M * c);
}

/** Is `p` inside the rectangle spanned by two opposite corners, given in any order (edges included)? */
export function inRectangle(p: Point, a: Point, b: Point): boolean {
  const left = Math.min(a.longitude, b.longitude);
  const right = Math.max(a.longitude, b.longitude);
  const top = Math.max(a.latitude, b.latitude);
  const bottom = Math.min(a.latitude, b.latitude);
  return p.longitude >= left && p.longitude <= right && p.latitude >= bottom && p.latitude <= top;
}
