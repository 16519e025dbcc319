// A typed RouteGuide client.

import { Channel, type ChannelOptions } from '../../client/channel.js';
import {
  createClient,
  type BidiStreamingMethod,
  type ClientStreamingMethod,
  type ServerStreamingMethod,
  type UnaryMethod,
} from '../../client/client.js';
import { routeGuideDefinition } from './definition.js';
import type { Feature, Point, Rectangle, RouteNote, RouteSummary } from './types.js';

export interface RouteGuideClient {
  getFeature: UnaryMethod<Point, Feature>;
  listFeatures: ServerStreamingMethod<Rectangle, Feature>;
  recordRoute: ClientStreamingMethod<Point, RouteSummary>;
  routeChat: BidiStreamingMethod<RouteNote, RouteNote>;
}

export function routeGuideClient(channel: Channel): RouteGuideClient;
export function routeGuideClient(target: string, options?: ChannelOptions): RouteGuideClient;
export function routeGuideClient(target: Channel | string, options?: ChannelOptions): RouteGuideClient {
  const channel = typeof target === 'string' ? new Channel(target, options) : target;
  return createClient<RouteGuideClient>(routeGuideDefinition(), channel);
}
