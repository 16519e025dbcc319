// Peak resident memory of a process, from /proc/<pid>/status (Linux).

import { readFileSync } from 'node:fs';

function statusKb(pid, field) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Samples VmRSS every intervalMs until stop(), which returns the peak in MB: the larger of the
 * sampled maximum and VmHWM (the kernel's lifetime high-water mark, so nothing between samples is
 * missed; run the workload first after the server starts so that it is the workload's peak).
 */
export function rssSampler(pid, intervalMs = 20) {
  let maxKb = statusKb(pid, 'VmRSS') ?? 0;
  const timer = setInterval(() => (maxKb = Math.max(maxKb, statusKb(pid, 'VmRSS') ?? 0)), intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const kb = Math.max(maxKb, statusKb(pid, 'VmHWM') ?? 0);
      return kb ? kb / 1024 : undefined;
    },
  };
}
