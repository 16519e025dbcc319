// The process the client target runs our client in, under `node --unhandled-rejections=strict`: a
// rejection nobody handled, or an exception nobody caught, ends it with the stack on stderr, and
// the fuzzer reports that.
//
// Each line on stdin is a job, `{"id":1,"port":40123,"deadlineMs":500}`: the RouteGuide
// walk-through — GetFeature twice, ListFeatures, RecordRoute, RouteChat, all four kinds, started in
// that order (streams 1, 3, 5, 7, 9, as in the recordings) on one new channel to 127.0.0.1:port.
// Each call's end is a line on stdout, `{"id":1,"call":"GetFeature","ms":12,"status":"UNAVAILABLE",…}`:
// how it ended and after how long. The first line, `ready`, says the client is loaded.

import { createInterface } from 'node:readline';
import { Channel } from '../../src/client/channel.js';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { routeGuideClient } from '../../src/services/routeguide/index.js';
import { walkThrough } from './walk-through.js';

export interface Job {
  id: number;
  port: number;
  deadlineMs: number;
}

export interface CallEnd {
  id: number;
  call: string;
  ms: number;
  /** 'ok', or the status code's name; 'not a status' when the call failed with anything but a GrpcError. */
  status: string;
  detail?: string;
}

const say = (end: CallEnd) => void process.stdout.write(`${JSON.stringify(end)}\n`);

async function runJob(job: Job): Promise<void> {
  const started = Date.now();
  const channel = new Channel(`127.0.0.1:${job.port}`);
  const calls = walkThrough(routeGuideClient(channel), started + job.deadlineMs);
  await Promise.all(
    calls.map(async ([call, promise]) => {
      try {
        await promise;
        say({ id: job.id, call, ms: Date.now() - started, status: 'ok' });
      } catch (error) {
        const ms = Date.now() - started;
        if (error instanceof GrpcError) say({ id: job.id, call, ms, status: error.codeName, detail: error.details });
        else say({ id: job.id, call, ms, status: 'not a status', detail: (error as Error)?.stack ?? String(error) });
      }
    }),
  );
  channel.close();
}

process.stdout.write('ready\n');
const jobs: Promise<void>[] = [];
for await (const line of createInterface({ input: process.stdin })) jobs.push(runJob(JSON.parse(line) as Job));
// Calls that never end are the parent's to report; they do not keep this process.
await Promise.race([Promise.all(jobs), new Promise((resolve) => setTimeout(resolve, 3_000).unref())]);
process.exit(0);
