// Cutting a recording into steps, the same way on every run.
//
// The tap emits each direction's events in the order of that direction's bytes; how the two
// directions interleave depends on timing (which socket the relay happened to read first). So a
// step is cut per direction: it takes, from each direction, the events up to and including the first
// that passes the step's test for that direction, and shows them as two blocks — the side that acts
// in the step first, then the other side — each in its own byte order. Events of no direction (a
// call's summary, the connection closing) go with the step of the event the tap emitted just before
// them: a summary is emitted with the frame that ended its call. A connection's opening goes with
// the step of the event after it.

import type { Direction, TapEvent } from '../../src/wire/events.js';
import type { Test } from './events.js';

export interface StepCut {
  /** The side that acts in this step: its events are shown first. */
  lead: Direction;
  /** Per direction, the last event of the step; a direction without a test has no events in it. */
  c2s?: Test;
  s2c?: Test;
  /**
   * A mark the script made while recording (Scene.mark): in each direction without a test, the step
   * takes the events recorded before it.
   */
  before?: string;
  /** The last step takes everything left, in both directions. */
  rest?: boolean;
}

/**
 * The events of each step, in the order to show them; `marks` are the places the script marked, as
 * indexes into `events`. Throws when a step's last event never came.
 */
export function cutSteps(
  events: readonly TapEvent[],
  cuts: readonly StepCut[],
  marks: Readonly<Record<string, number>> = {},
): TapEvent[][] {
  const stepOf = new Map<TapEvent, number>();
  const position = new Map(events.map((e, i) => [e, i]));
  for (const dir of ['c2s', 's2c'] as const) {
    const own = events.filter((e) => e.dir === dir);
    let at = 0;
    cuts.forEach((cut, step) => {
      if (cut.rest) {
        for (; at < own.length; at++) stepOf.set(own[at], step);
        return;
      }
      if (!cut[dir] && cut.before !== undefined) {
        const mark = marks[cut.before];
        if (mark === undefined) throw new Error(`step ${step + 1}: the script made no mark "${cut.before}"`);
        for (; at < own.length && position.get(own[at])! < mark; at++) stepOf.set(own[at], step);
        return;
      }
      const test = cut[dir];
      if (!test) return;
      const end = own.findIndex((e, i) => i >= at && test(e));
      if (end < 0) throw new Error(`step ${step + 1}: no ${dir} event ends it (${own.length - at} ${dir} events left)`);
      for (; at <= end; at++) stepOf.set(own[at], step);
    });
    if (at < own.length) throw new Error(`${own.length - at} ${dir} events after the last step`);
  }
  // Events without a direction follow the event emitted before them (the first ones open step 1),
  // except a connection's opening, which goes with the first event after it.
  const undirected = new Map<TapEvent, number>();
  let previous = 0;
  const opening: TapEvent[] = [];
  for (const e of events) {
    const step = stepOf.get(e);
    if (step !== undefined) {
      previous = step;
      for (const open of opening.splice(0)) undirected.set(open, step);
    } else if (e.kind === 'connection' && e.type === 'open') opening.push(e);
    else undirected.set(e, previous);
  }
  for (const open of opening) undirected.set(open, previous);
  return cuts.map((cut, step) => {
    const inStep = (e: TapEvent) => stepOf.get(e) === step;
    const other: Direction = cut.lead === 'c2s' ? 's2c' : 'c2s';
    const leading = events.filter((e) => undirected.get(e) === step && e.kind === 'connection' && e.type === 'open');
    const trailing = events.filter((e) => undirected.get(e) === step && !leading.includes(e));
    return [
      ...leading,
      ...events.filter((e) => inStep(e) && e.dir === cut.lead),
      ...events.filter((e) => inStep(e) && e.dir === other),
      ...trailing,
    ];
  });
}
