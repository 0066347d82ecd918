import { describe, expect, it, vi } from 'vitest';
import { Tray } from './fake-electron';
import { createTray, quitQuestion, trayMenuModel, type TrayEntry } from '../../../src/main/tray';
import type { QueueSummary } from '../../../src/shared/contract';

vi.mock('electron', () => import('./fake-electron'));

const summary = (s: Partial<QueueSummary> = {}): QueueSummary => ({ active: 0, queued: 0, paused: 0, retrying: 0, failed: 0, completed: 0, ...s });

const actions = (model: TrayEntry[]) =>
  Object.fromEntries(model.flatMap((e) => (e.type === 'action' ? [[e.action, e.enabled]] : [])));
const status = (model: TrayEntry[]) => model.find((e) => e.type === 'status')?.label;

describe('tray menu model', () => {
  it('shows the active and queued counts and lets running work be paused', () => {
    const model = trayMenuModel(summary({ active: 2, queued: 3, retrying: 1, completed: 9 }));
    expect(status(model)).toBe('2 downloading · 4 queued');
    expect(actions(model)).toEqual({ show: true, addFromClipboard: true, pauseAll: true, resumeAll: false, quit: true });
  });

  it('offers Resume all only when something is paused, and says so', () => {
    const model = trayMenuModel(summary({ paused: 5 }));
    expect(status(model)).toBe('0 downloading · 0 queued · 5 paused');
    expect(actions(model)).toMatchObject({ pauseAll: false, resumeAll: true });
  });

  it('says when nothing is going on, with both queue actions disabled', () => {
    const model = trayMenuModel(summary({ failed: 2, completed: 10 }));
    expect(status(model)).toBe('No downloads in progress');
    expect(actions(model)).toMatchObject({ pauseAll: false, resumeAll: false });
  });

  it('keeps Show first and Quit last', () => {
    const model = trayMenuModel(summary());
    expect(model[0]).toMatchObject({ action: 'show', label: 'Show ClipHarbor' });
    expect(model.at(-1)).toMatchObject({ action: 'quit', label: 'Quit ClipHarbor' });
  });

  it('asks before quitting only while downloads run', () => {
    expect(quitQuestion(summary({ queued: 4, paused: 1 }))).toBeNull();
    expect(quitQuestion(summary({ active: 1 }))).toBe('A download is running. Quit anyway?');
    expect(quitQuestion(summary({ active: 3 }))).toBe('3 downloads are running. Quit anyway?');
  });
});

describe('tray', () => {
  it('renders the model as a menu whose items run their action, with the status in the tooltip', () => {
    const onAction = vi.fn();
    const tray = createTray('/app/resources/tray.png', onAction);
    tray.update(summary({ active: 1, queued: 2 }));
    const fake = Tray.instances.at(-1)!;
    expect(fake.image).toEqual({ path: '/app/resources/tray.png' });
    expect(fake.tooltip).toBe('ClipHarbor — 1 downloading · 2 queued');
    const items = fake.menu!.template;
    expect(items.map((i) => i.label ?? i.type)).toEqual([
      'Show ClipHarbor',
      'Add from clipboard',
      'separator',
      '1 downloading · 2 queued',
      'Pause all',
      'Resume all',
      'separator',
      'Quit ClipHarbor',
    ]);
    expect(items.find((i) => i.label === '1 downloading · 2 queued').enabled).toBe(false);
    expect(items.find((i) => i.label === 'Resume all').enabled).toBe(false);
    items.find((i) => i.label === 'Pause all').click();
    items.find((i) => i.label === 'Quit ClipHarbor').click();
    fake.emit('click');
    expect(onAction.mock.calls).toEqual([['pauseAll'], ['quit'], ['show']]);

    tray.update(summary({ paused: 3 }));
    expect(fake.menu!.template.find((i) => i.label === 'Resume all').enabled).toBe(true);
    tray.destroy();
    expect(fake.destroyed).toBe(true);
  });
});
