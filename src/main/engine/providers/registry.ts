import type { ProviderName } from '../../../shared/contract';
import { apify } from './apify';
import type { CloudProvider } from './cloud';
import { huntapi } from './huntapi';
import { scrapling } from './scrapling';

export type CloudProviderName = CloudProvider['name'];

/** The remote services a chain can hand a link to; yt-dlp and direct run here and are not listed. */
export const CLOUD_PROVIDERS: Readonly<Record<CloudProviderName, CloudProvider>> = { apify, huntapi, scrapling };

export function isCloudProvider(name: ProviderName): name is CloudProviderName {
  return Object.hasOwn(CLOUD_PROVIDERS, name);
}
