/** Both stock fakes over one catalog, for end-to-end runs (app, CLI) that search and then download. */
import { startPexelsFake } from './pexels';
import { startPixabayFake } from './pixabay';
import { makeCatalog, type StockFake, type StockVideo } from './stock-common';

export { PEXELS_KEY, startPexelsFake } from './pexels';
export { PIXABAY_KEY, startPixabayFake } from './pixabay';
export { makeCatalog, type Failure, type FakeCall, type StockFake, type StockVideo } from './stock-common';

export interface StockFakes {
  pexels: StockFake;
  pixabay: StockFake;
  /** Shared by both: a video whose `sites` names both is listed by both with the same file links. */
  catalog: StockVideo[];
  close(): Promise<void>;
}

/**
 * Starts both fakes. The default catalog has 12 videos only on Pexels, 12 only on Pixabay and 4 on both
 * (ids 3000…), over the media server's six clips.
 */
export async function startStockFakes(opts: { mediaBaseUrl: string; catalog?: StockVideo[] }): Promise<StockFakes> {
  const catalog = opts.catalog ?? [
    ...makeCatalog(12, { startId: 1000, sites: ['pexels'] }),
    ...makeCatalog(12, { startId: 2000, sites: ['pixabay'] }),
    ...makeCatalog(4, { startId: 3000, sites: ['pexels', 'pixabay'] }),
  ];
  const [pexels, pixabay] = await Promise.all([
    startPexelsFake({ mediaBaseUrl: opts.mediaBaseUrl, catalog }),
    startPixabayFake({ mediaBaseUrl: opts.mediaBaseUrl, catalog }),
  ]);
  return {
    pexels,
    pixabay,
    catalog,
    close: async () => {
      await Promise.all([pexels.close(), pixabay.close()]);
    },
  };
}
