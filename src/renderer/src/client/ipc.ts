import type { EventName, EventPayload, MethodInput, MethodName, MethodOutput } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { MEDIA_SCHEME, type PreloadApi } from '../../../shared/wire';
import type { AppClient } from './types';

/** The desktop transport: the preload already speaks the contract, so this only turns error envelopes back into throws. */
export function createIpcClient(api: PreloadApi): AppClient {
  return {
    host: 'desktop',
    async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
      const envelope = await api.call(method, input);
      if (!envelope.ok) throw new AppError(envelope.error.code, envelope.error.message);
      return envelope.result;
    },
    on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void {
      return api.on(event, handler);
    },
    mediaUrl: (itemId, kind) => `${MEDIA_SCHEME}://item/${itemId}/${kind}`,
    // IPC lives as long as the window does: there is no link to lose.
    onConnection: () => () => {},
  };
}
