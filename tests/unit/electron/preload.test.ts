import { describe, expect, it, vi } from 'vitest';
import { contextBridge } from './fake-electron';
import { createPreloadApi, EventBuffer, type IpcLike } from '../../../src/preload';
import { IPC_EVENT_CHANNEL, type EventFrame, type PreloadApi } from '../../../src/shared/wire';
import type { MethodName, EventName } from '../../../src/shared/contract';

vi.mock('electron', () => import('./fake-electron'));

function fakeIpc() {
  const listeners: Array<(event: unknown, ...args: unknown[]) => void> = [];
  const ipc = {
    invoke: vi.fn(async (_channel: string, ..._args: unknown[]): Promise<unknown> => ({ ok: true, result: 'from main' })),
    on: vi.fn((channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
      if (channel === IPC_EVENT_CHANNEL) listeners.push(listener);
    }),
  } satisfies IpcLike;
  const push = (frame: unknown) => listeners.forEach((l) => l({ sender: 'main' }, frame));
  return { ipc, push };
}

const progress = (jobId: number, pct: number): EventFrame => ({
  event: 'job.progress',
  payload: { jobId, progress: { phase: 'downloading', downloadedBytes: pct, totalBytes: 100, percent: pct, speed: null, etaSec: null, part: 1, parts: 1 } },
});
const removed = (id: number): EventFrame => ({ event: 'library.removed', payload: { id } });

describe('window.clipharbor', () => {
  it('is exposed as a plain object with call, on and platform only: no ipcRenderer', () => {
    const api = contextBridge.exposed.get('clipharbor') as PreloadApi;
    expect(Object.keys(api).sort()).toEqual(['call', 'on', 'platform']);
    expect(api.platform).toBe(process.platform);
    expect([...contextBridge.exposed.keys()]).toEqual(['clipharbor']);
  });

  it('invokes the channel of a contract method with the input and returns the envelope', async () => {
    const { ipc } = fakeIpc();
    const api = createPreloadApi(ipc, 'linux');
    await expect(api.call('settings.update', { concurrency: 2 })).resolves.toEqual({ ok: true, result: 'from main' });
    expect(ipc.invoke).toHaveBeenCalledWith('clipharbor:call:settings.update', { concurrency: 2 });
  });

  it('refuses a method outside the contract without touching IPC', async () => {
    const { ipc } = fakeIpc();
    const api = createPreloadApi(ipc, 'linux');
    for (const method of ['shell.openExternal', '__proto__', 'constructor', 'toString', '', 'settings.get ']) {
      const answer = await api.call(method as MethodName, {} as never);
      expect(answer).toMatchObject({ ok: false, error: { code: 'ERR_INVALID_INPUT' } });
    }
    expect(ipc.invoke).not.toHaveBeenCalled();
  });

  it('turns a failed invoke (input that cannot be cloned) into an error envelope', async () => {
    const { ipc } = fakeIpc();
    ipc.invoke.mockRejectedValueOnce(new Error('An object could not be cloned.'));
    const api = createPreloadApi(ipc, 'linux');
    await expect(api.call('settings.get', {})).resolves.toMatchObject({ ok: false, error: { code: 'ERR_UNKNOWN', message: expect.stringContaining('could not be cloned') } });
  });

  it('refuses to subscribe to an event outside the contract', () => {
    const { ipc } = fakeIpc();
    const api = createPreloadApi(ipc, 'linux');
    expect(() => api.on('app.quit' as EventName, () => {})).toThrow(/Unknown event/);
    expect(() => api.on('job.updated', 'not a function' as never)).toThrow(/function/);
  });

  it('delivers events that came before the first subscriber, in order, then live ones; unsubscribe stops them', () => {
    const { ipc, push } = fakeIpc();
    const api = createPreloadApi(ipc, 'linux');
    push(removed(1));
    push(progress(7, 10));
    push(removed(2));
    push({ event: 'not.an.event', payload: {} });
    push(null);
    const seen: number[] = [];
    const off = api.on('library.removed', (p) => seen.push(p.id));
    expect(seen).toEqual([1, 2]);
    push(removed(3));
    expect(seen).toEqual([1, 2, 3]);
    off();
    push(removed(4));
    expect(seen).toEqual([1, 2, 3]);
    // the progress frame waited for its own first subscriber
    const pcts: Array<number | null> = [];
    api.on('job.progress', (p) => pcts.push(p.progress.percent));
    expect(pcts).toEqual([10]);
  });

  it('gives every live subscriber each event, even when one of them throws', () => {
    const { ipc, push } = fakeIpc();
    const api = createPreloadApi(ipc, 'linux');
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const a: number[] = [];
    api.on('library.removed', () => {
      throw new Error('broken component');
    });
    api.on('library.removed', (p) => a.push(p.id));
    push(removed(5));
    expect(a).toEqual([5]);
    expect(error).toHaveBeenCalledOnce();
    error.mockRestore();
  });
});

describe('EventBuffer', () => {
  it('drops the oldest progress frames first when full, keeping every other event', () => {
    const buffer = new EventBuffer(5);
    buffer.push(removed(1));
    buffer.push(progress(1, 1));
    buffer.push(progress(1, 2));
    buffer.push(removed(2));
    buffer.push(progress(1, 3));
    buffer.push(removed(3)); // full: progress 1 goes
    buffer.push(removed(4)); // full: progress 2 goes
    const ids: number[] = [];
    const pcts: Array<number | null> = [];
    buffer.subscribe('library.removed', (p) => ids.push((p as { id: number }).id));
    buffer.subscribe('job.progress', (p) => pcts.push((p as EventFrame<'job.progress'>['payload']).progress.percent));
    expect(ids).toEqual([1, 2, 3, 4]);
    expect(pcts).toEqual([3]);
  });

  it('without progress frames to drop, drops the oldest frame of any kind', () => {
    const buffer = new EventBuffer(3);
    buffer.push(removed(1));
    buffer.push({ event: 'library.added', payload: { id: 10 } as never });
    buffer.push(removed(2));
    buffer.push(removed(3));
    const ids: number[] = [];
    const added: unknown[] = [];
    buffer.subscribe('library.removed', (p) => ids.push((p as { id: number }).id));
    buffer.subscribe('library.added', (p) => added.push(p));
    expect(ids).toEqual([2, 3]);
    expect(added).toHaveLength(1);
  });

  it('holds at most its bound in total', () => {
    const buffer = new EventBuffer(2000);
    for (let i = 0; i < 5000; i++) buffer.push(i % 2 ? removed(i) : progress(1, i % 100));
    const ids: number[] = [];
    const pcts: unknown[] = [];
    buffer.subscribe('library.removed', (p) => ids.push((p as { id: number }).id));
    buffer.subscribe('job.progress', (p) => pcts.push(p));
    expect(ids.length + pcts.length).toBe(2000);
    // progress went first, so all 2000 kept frames are the latest library events
    expect(ids).toHaveLength(2000);
    expect(ids[0]).toBe(1001);
    expect(ids.at(-1)).toBe(4999);
  });
});
