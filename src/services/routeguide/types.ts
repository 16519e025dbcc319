// The RouteGuide messages as TypeScript types (field names as in proto/route_guide.proto).

export interface Point {
  latitude: number;
  longitude: number;
}

export interface Rectangle {
  lo?: Point | null;
  hi?: Point | null;
}

export interface Feature {
  name: string;
  location?: Point | null;
}

export interface RouteNote {
  location?: Point | null;
  message: string;
}

export interface RouteSummary {
  point_count: number;
  feature_count: number;
  distance: number;
  elapsed_time: number;
}
