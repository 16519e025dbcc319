// The package version, for user-agent (PROTOCOL-HTTP2 "User Agents").

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './paths.js';

const packageJson = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };

export const VERSION = packageJson.version;
export const USER_AGENT = `routeguide-h2/${VERSION}`;
