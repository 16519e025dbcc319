// How a Redis URL is shown in logs and messages: scheme, host, port and database, never a password.

export function describeRedisUrl(url: string): string {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '') || '0';
  return `redis://${parsed.hostname}:${parsed.port || '6379'}/${db}`;
}
