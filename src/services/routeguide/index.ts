export { routeGuideDefinition, ROUTE_GUIDE_PROTO, ROUTE_GUIDE_SERVICE } from './definition.js';
export { FeatureDb, DEFAULT_FEATURE_DB } from './feature-db.js';
export { routeGuideHandlers, type RouteGuideHandlers } from './service.js';
export { DEFAULT_NOTE_BOUNDS, type NoteBounds, type NoteStore } from './note-store.js';
export { MemoryNoteStore, type MemoryNoteStoreOptions } from './memory-note-store.js';
export { openNoteStore, type NoteStoreChoice } from './open-note-store.js';
export { distanceMetres, inRectangle } from './geo.js';
export type { Point, Rectangle, Feature, RouteNote, RouteSummary } from './types.js';
export { routeGuideClient, type RouteGuideClient } from './client.js';
