/**
 * Shared helpers for renderer tests: the real engine as the app's client, in-process, and a render wrapper.
 * Screens under test talk to the same engine the CLI and the server use; nothing of ours is mocked.
 */
import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import type { EventName, EventPayload, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import { toAppError } from '../../src/shared/errors';
import type { Engine } from '../../src/main/engine';
import { App } from '../../src/renderer/src/App';
import { ClientProvider } from '../../src/renderer/src/client/context';
import type { AppClient } from '../../src/renderer/src/client/types';

/** Calls made through test clients that have not finished yet. */
const inFlight = new Set<Promise<unknown>>();

/**
 * An in-process transport. Outputs go through JSON like they do over IPC and HTTP, so a screen that relies on
 * something JSON drops (a Date, undefined fields, shared object identity) fails here too; errors arrive as AppError.
 */
export function makeTestClient(engine: Engine): AppClient {
  return {
    host: 'browser',
    call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
      const call = (async () => {
        try {
          const output = await engine.call(method, input);
          return JSON.parse(JSON.stringify(output)) as MethodOutput<M>;
        } catch (err) {
          throw toAppError(err);
        }
      })();
      inFlight.add(call);
      const done = () => inFlight.delete(call);
      call.then(done, done);
      return call;
    },
    on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void {
      return engine.on(event, handler);
    },
    mediaUrl: (itemId, kind) => `/media/${itemId}/${kind}`,
    onConnection: () => () => {},
  };
}

/**
 * Waits for every call a test client started, e.g. after `cleanup()` and before `stopAll()`: a load still running
 * when a test ends would otherwise land in the next test's stores, or hit a closed database.
 */
export async function settleCalls(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

/** Renders `ui` (the whole app by default) under a ClientProvider for `client`. */
export function renderApp(client: AppClient, ui: ReactElement = <App />): RenderResult {
  return render(<ClientProvider client={client}>{ui}</ClientProvider>);
}
