// The four fuzz targets by name, each loaded only when asked for.

import type { Target, TargetName } from './runner.js';

export async function loadTarget(name: TargetName): Promise<Target> {
  switch (name) {
    case 'server':
      return (await import('./server-target.js')).serverTarget;
    case 'client':
      return (await import('./client-target.js')).clientTarget;
    case 'tap':
      return (await import('./tap-target.js')).tapTarget;
    case 'hpack':
      return (await import('./hpack-target.js')).hpackTarget;
  }
}
