import { SettingsPatchSchema, type SecretName, type Settings } from '../../shared/contract';

/**
 * Environment variables that set a setting for this run (flag > env > saved setting > default). Numbers are parsed,
 * and a value that does not validate is ignored with a reason, so a typo never stops the app from starting.
 */
const ENV_SETTINGS: ReadonlyArray<[string, keyof Settings, 'string' | 'number']> = [
  ['APIFY_BASE_URL', 'apifyBaseUrl', 'string'],
  ['APIFY_ACTOR', 'apifyActor', 'string'],
  ['HUNTAPI_BASE_URL', 'huntapiBaseUrl', 'string'],
  ['HUNTAPI_POLL_INTERVAL_S', 'huntapiPollIntervalSec', 'number'],
  ['HUNTAPI_MAX_POLL_S', 'huntapiMaxPollSec', 'number'],
  ['TIKTOK_DOWNLOAD_STRATEGY', 'tiktokStrategy', 'string'],
  ['TIKTOK_DOWNLOAD_TIMEOUT', 'tiktokTimeoutSec', 'number'],
  ['TIKTOK_CRAWL_HOST', 'scraplingHost', 'string'],
  ['TIKTOK_CRAWL_HOST_PORT', 'scraplingPort', 'number'],
  ['PEXELS_BASE_URL', 'pexelsBaseUrl', 'string'],
  ['PIXABAY_BASE_URL', 'pixabayBaseUrl', 'string'],
  ['VIDEO_MAX_FILE_SIZE_MB', 'maxFileSizeMb', 'number'],
];

/** Secrets an environment variable can supply; the first set one wins over the stored value. */
export const ENV_SECRETS: Readonly<Partial<Record<SecretName, readonly string[]>>> = {
  apifyToken: ['APIFY_TOKEN'],
  huntapiToken: ['HUNTAPI_TOKEN', 'HUNTAPI_KEY'],
  pexelsApiKey: ['PEXELS_API_KEY'],
  pixabayApiKey: ['PIXABAY_API_KEY'],
};

export function envSettings(env: NodeJS.ProcessEnv): { settings: Partial<Settings>; problems: string[] } {
  const settings: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, key, type] of ENV_SETTINGS) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const value = type === 'number' ? Number(raw) : raw;
    const parsed = SettingsPatchSchema.safeParse({ [key]: value });
    if (parsed.success && !(type === 'number' && !Number.isFinite(value))) settings[key] = parsed.data[key];
    else problems.push(`${name} is ignored: ${parsed.success ? 'not a number' : (parsed.error.issues[0]?.message ?? 'invalid value')}`);
  }
  return { settings: settings as Partial<Settings>, problems };
}

/** The environment variable that supplies this secret now, if any. */
export function envSecretSource(env: NodeJS.ProcessEnv, name: SecretName): string | undefined {
  return (ENV_SECRETS[name] ?? []).find((v) => env[v]?.trim());
}

export function envSecret(env: NodeJS.ProcessEnv, name: SecretName): string | undefined {
  const source = envSecretSource(env, name);
  return source ? env[source]!.trim() : undefined;
}
