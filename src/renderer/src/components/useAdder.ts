import { useCallback, useState } from 'react';
import type { Quality } from '../../../shared/contract';
import { toAppError } from '../../../shared/errors';
import type { AppClient } from '../client/types';
import { checkTyped, type BadLink } from './links';

export interface AddFeedback {
  status: string | null;
  /** The engine's sentence, or why nothing could be sent. */
  error: string | null;
  bad: BadLink[];
}

export interface Adder {
  feedback: AddFeedback;
  /** Sends the good links of typed text; resolves to the text to leave in the box (the bad words, to fix). */
  addTyped(text: string, quality: Quality): Promise<string>;
  /** Sends links found in pasted or dropped text, with the default quality; says so when there are none. */
  addFound(urls: string[]): Promise<void>;
  dismiss(): void;
}

const NONE: AddFeedback = { status: null, error: null, bad: [] };

function addedText(created: number, existing: number, inLibrary: number): string {
  const parts: string[] = [];
  if (existing === 0 || created > 0) parts.push(`Added ${created}`);
  if (existing > 0) {
    parts.push(created === 0 && existing === 1 ? 'That link was already queued' : `${existing} ${existing === 1 ? 'was' : 'were'} already queued`);
  }
  if (inLibrary > 0) parts.push(`${inLibrary} already in the library`);
  return parts.join(' — ');
}

/** One place for adding links, so the add bar, a drop and a paste all report the same way in the add bar. */
export function useAdder(client: AppClient): Adder {
  const [feedback, setFeedback] = useState<AddFeedback>(NONE);

  const send = useCallback(
    async (urls: string[], quality: Quality | undefined, bad: BadLink[]): Promise<boolean> => {
      try {
        const { jobs, created } = await client.call('jobs.add', quality ? { urls, quality } : { urls });
        const existing = new Set(jobs.map((job) => job.id)).size - created;
        const inLibrary = jobs.filter((job) => job.result === 'skipped_duplicate').length;
        const error = bad.length === 0 ? null : bad.length === 1 ? 'One line was not added:' : `${bad.length} lines were not added:`;
        setFeedback({ status: addedText(created, existing, inLibrary), error, bad });
        return true;
      } catch (err) {
        setFeedback({ status: null, error: toAppError(err).message, bad });
        return false;
      }
    },
    [client],
  );

  const addTyped = useCallback(
    async (text: string, quality: Quality): Promise<string> => {
      const { good, bad } = checkTyped(text);
      if (good.length === 0) {
        setFeedback({
          status: null,
          error: bad.length === 0 ? 'Paste one or more links first, one per line.' : 'Nothing was added: none of these is a link.',
          bad,
        });
        return text;
      }
      const sent = await send(good, quality, bad);
      return sent ? bad.map((b) => b.text).join('\n') : text;
    },
    [send],
  );

  const addFound = useCallback(
    async (urls: string[]): Promise<void> => {
      if (urls.length === 0) {
        setFeedback({ status: null, error: 'There is no http:// or https:// link in what was dropped.', bad: [] });
        return;
      }
      await send(urls, undefined, []);
    },
    [send],
  );

  const dismiss = useCallback(() => setFeedback(NONE), []);

  return { feedback, addTyped, addFound, dismiss };
}
