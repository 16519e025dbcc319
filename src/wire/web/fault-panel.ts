// The web view's fault panel (in the browser): a fault for the next call, or from now on, as a
// `--fault` SPEC; and acts on live traffic now — GOAWAY on a connection, a PING, a reset of the
// stream of the row selected in the diagram. It asks the tap through /faults and /faults/act
// (fault-control.ts); what the tap then does shows in the diagram as the tap's own events, like
// every fault. Text from the tap is put into the page as text only.

/** The call of the row selected in the diagram, if a call's row is selected. */
export type SelectedCall = () => { conn: number; stream: number } | undefined;

interface FaultState {
  enabled: boolean;
  reason?: string;
  seed?: number;
  faults?: string[];
  connections?: number[];
}

/** Examples offered in the SPEC box (any SPEC of docs/faults-guide.md may be typed). */
const EXAMPLES = [
  'abort:status=UNAVAILABLE',
  'rst-stream:code=CANCEL',
  'rst_after_header',
  'drop-trailers',
  'delay:for=2s',
  'goaway:when=message:s2c:2',
  'pad-data',
  'bandwidth:rate=10KB,scope=call',
];

export function startFaultPanel(selectedCall: SelectedCall): void {
  const panel = byId<HTMLDetailsElement>('fault-panel');
  const form = byId<HTMLFormElement>('fault-form');
  const spec = byId<HTMLInputElement>('fault-spec');
  const examples = byId<HTMLDataListElement>('fault-examples');
  const conn = byId<HTMLSelectElement>('fault-conn');
  const state = byId('fault-state');
  const result = byId('fault-result');
  const list = byId('fault-list');
  const controls = panel.querySelectorAll<HTMLButtonElement | HTMLInputElement | HTMLSelectElement>(
    'button, input, select',
  );
  for (const example of EXAMPLES) {
    const option = document.createElement('option');
    option.value = example;
    examples.append(option);
  }

  const say = (text: string, ok: boolean) => {
    result.textContent = text;
    result.dataset.ok = String(ok);
  };

  async function refresh(): Promise<void> {
    const now = await ask('GET', 'faults');
    const body = now.body as FaultState;
    if (!now.ok || !body.enabled) {
      state.textContent = body.reason ?? 'the tap does not answer';
      for (const control of controls) control.disabled = true;
      return;
    }
    for (const control of controls) control.disabled = false;
    state.textContent = `--fault-seed ${body.seed ?? ''}`;
    list.replaceChildren(
      ...(body.faults ?? []).map((label) => {
        const li = document.createElement('li');
        li.textContent = label;
        return li;
      }),
    );
    const chosen = conn.value;
    conn.replaceChildren(
      ...(body.connections ?? []).map((n) => {
        const option = document.createElement('option');
        option.value = String(n);
        option.textContent = `#${n}`;
        return option;
      }),
    );
    if ([...conn.options].some((o) => o.value === chosen)) conn.value = chosen;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = (event.submitter as HTMLButtonElement | null)?.value !== 'always';
    void ask('POST', 'faults', { spec: spec.value, next }).then(async (answer) => {
      const body = answer.body as { added?: string[]; error?: string };
      say(answer.ok ? `added: ${(body.added ?? []).join('; ')}` : (body.error ?? 'refused'), answer.ok);
      await refresh();
    });
  });

  const act = (action: 'goaway' | 'ping' | 'rst-stream') => {
    let request: { action: string; conn: number; stream?: number };
    if (action === 'rst-stream') {
      const call = selectedCall();
      if (!call) return say('select a row of a call in the diagram first', false);
      request = { action, ...call };
    } else {
      if (conn.value === '') return say('no connection is open', false);
      request = { action, conn: Number(conn.value) };
    }
    void ask('POST', 'faults/act', request).then(async (answer) => {
      const where = `connection #${request.conn}${request.stream ? ` stream ${request.stream}` : ''}`;
      const error = (answer.body as { error?: string }).error;
      say(answer.ok ? `${action} sent on ${where}` : (error ?? 'refused'), answer.ok);
      await refresh();
    });
  };
  byId('fault-goaway').addEventListener('click', () => act('goaway'));
  byId('fault-ping').addEventListener('click', () => act('ping'));
  byId('fault-rst').addEventListener('click', () => act('rst-stream'));
  panel.addEventListener('toggle', () => void refresh());
  // While the panel is open, its list of connections follows the tap's.
  setInterval(() => {
    if (panel.open) void refresh();
  }, 2000);
  void refresh();
}

async function ask(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ ok: boolean; body: unknown }> {
  try {
    const res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { ok: res.ok, body: (await res.json()) as unknown };
  } catch (error) {
    return { ok: false, body: { error: `the tap does not answer: ${(error as Error).message}` } };
  }
}

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page.html has no #${id}`);
  return el as T;
}
