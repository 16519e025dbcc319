// What the canonical RouteGuide walk-through must print: the six-note RouteChat against a fresh
// server yields these nine lines, in this order (grpc-go examples/route_guide/client).

export const CANONICAL_CHAT_LINES: readonly string[] = [
  'Got message First message at point(0, 1)',
  'Got message Second message at point(0, 2)',
  'Got message Third message at point(0, 3)',
  'Got message First message at point(0, 1)',
  'Got message Fourth message at point(0, 1)',
  'Got message Second message at point(0, 2)',
  'Got message Fifth message at point(0, 2)',
  'Got message Third message at point(0, 3)',
  'Got message Sixth message at point(0, 3)',
];
