/** The Settings editors that are not one value in one box: provider chains, enabled providers and yt-dlp updates. */
import { useEffect, useState } from 'react';
import { PROVIDERS, ROUTED_SITES, type MethodOutput, type ProviderName, type RoutedSite, type Settings } from '../../../shared/contract';
import { toAppError } from '../../../shared/errors';
import { useClient } from '../client/context';
import { Icon } from '../components/Icon';
import { providerLabel } from '../format';
import { useSettings } from '../store/settings';
import { useSavedValue, type Save, type SaveTarget } from './settings-save';

/** Read after "for": "Use Apify for YouTube", "For other sites". */
const SITE_LABELS: Record<RoutedSite, string> = { youtube: 'YouTube', instagram: 'Instagram', direct: 'direct links', other: 'other sites' };
const ORDER: SaveTarget = { key: 'providerOrder', label: 'Provider order' };
const ENABLED: SaveTarget = { key: 'disabledProviders', label: 'Enabled providers' };

type Errors = Partial<Record<keyof Settings, string>>;

function moved(chain: readonly ProviderName[], index: number, delta: -1 | 1): ProviderName[] {
  const next = [...chain];
  const [provider] = next.splice(index, 1);
  if (provider) next.splice(index + delta, 0, provider);
  return next;
}

/** One site's chain as an ordered checklist: the providers it uses in their order, then the ones it does not. */
function SiteChain({ site, chain, disabled, onChange }: { site: RoutedSite; chain: readonly ProviderName[]; disabled: readonly ProviderName[]; onChange(chain: ProviderName[]): void }) {
  const siteLabel = SITE_LABELS[site];
  const rows = [...chain, ...PROVIDERS.filter((p) => !chain.includes(p))];
  return (
    <fieldset className="provider-chain">
      <legend>For {siteLabel}</legend>
      <ol>
        {rows.map((provider, i) => {
          const used = i < chain.length;
          const name = providerLabel(provider);
          return (
            <li key={provider} data-used={used || undefined}>
              <label className="check">
                <input
                  type="checkbox"
                  aria-label={`Use ${name} for ${siteLabel}`}
                  checked={used}
                  onChange={(event) => onChange(event.target.checked ? [...chain, provider] : chain.filter((p) => p !== provider))}
                />
                {name}
              </label>
              {disabled.includes(provider) && <span className="provider-off">disabled</span>}
              {used && (
                <span className="provider-move">
                  <button type="button" className="icon" aria-label={`Move ${name} up (${siteLabel})`} disabled={i === 0} onClick={() => onChange(moved(chain, i, -1))}>
                    <Icon name="up" />
                  </button>
                  <button
                    type="button"
                    className="icon"
                    aria-label={`Move ${name} down (${siteLabel})`}
                    disabled={i === chain.length - 1}
                    onClick={() => onChange(moved(chain, i, 1))}
                  >
                    <Icon name="down" />
                  </button>
                </span>
              )}
            </li>
          );
        })}
      </ol>
    </fieldset>
  );
}

function FieldError({ text }: { text: string | undefined }) {
  if (!text) return null;
  return (
    <p role="alert" className="setting-error">
      {text}
    </p>
  );
}

/** Which providers may run at all, and in which order each site tries them. */
export function ProviderSettings({ settings, errors, save }: { settings: Settings; errors: Errors; save: Save }) {
  const [order, changeOrder] = useSavedValue(settings.providerOrder, (value) => save(ORDER, value));
  const [disabled, changeDisabled] = useSavedValue(settings.disabledProviders, (value) => save(ENABLED, value));

  return (
    <>
      <fieldset className="setting provider-enabled">
        <legend>Enabled providers</legend>
        <div className="provider-toggles">
          {PROVIDERS.map((provider) => (
            <label key={provider} className="check">
              <input
                type="checkbox"
                checked={!disabled.includes(provider)}
                onChange={(event) => changeDisabled(PROVIDERS.filter((p) => (p === provider ? !event.target.checked : disabled.includes(p))))}
              />
              {providerLabel(provider)}
            </label>
          ))}
        </div>
        <p className="setting-help">A disabled provider is skipped for every site, wherever it is in the order.</p>
        <FieldError text={errors.disabledProviders} />
      </fieldset>
      <div className="setting">
        <div className="provider-chains">
          {ROUTED_SITES.map((site) => (
            <SiteChain key={site} site={site} chain={order[site]} disabled={disabled} onChange={(chain) => changeOrder({ ...order, [site]: chain })} />
          ))}
        </div>
        <p className="setting-help">TikTok uses the one way chosen under “TikTok downloads with”.</p>
        <FieldError text={errors.providerOrder} />
      </div>
    </>
  );
}

type YtdlpStatus = MethodOutput<'ytdlp.status'>;
type Copy = YtdlpStatus['managed'];

function copyText(copy: Copy, none: string): string {
  if (!copy) return none;
  return `${copy.version ?? 'unknown version'} at ${copy.path}`;
}

const BUSY_TEXT = { update: 'Fetching and checking the newest yt-dlp…', rollback: 'Going back to the previous yt-dlp…' } as const;

/** Which yt-dlp runs and where it came from, with Update (fetch, verify, switch) and Roll back. */
export function YtdlpPanel() {
  const client = useClient();
  const [status, setStatus] = useState<YtdlpStatus | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [busy, setBusy] = useState<keyof typeof BUSY_TEXT | null>(null);
  const [result, setResult] = useState('');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    client.call('ytdlp.status', {}).then(
      (answer) => current && setStatus(answer),
      (err: unknown) => current && setLoadError(toAppError(err).message),
    );
    return () => {
      current = false;
    };
  }, [client]);

  async function act(kind: keyof typeof BUSY_TEXT): Promise<void> {
    setBusy(kind);
    setError(null);
    setResult('');
    try {
      if (kind === 'update') {
        const answer = await client.call('ytdlp.update', {});
        setStatus(answer);
        const version = answer.version ?? '(unknown version)';
        setResult(answer.updated ? `Updated yt-dlp to ${version}.` : `yt-dlp ${version} is already the newest version.`);
      } else {
        const answer = await client.call('ytdlp.rollback', {});
        setStatus(answer);
        setResult(`Back to yt-dlp ${answer.version ?? '(unknown version)'}.`);
      }
      setLoadError(null);
      // The Programs section shows the yt-dlp in use too; if this refresh fails, the next visit brings it up to date.
      useSettings
        .getState()
        .loadInfo(client)
        .catch(() => undefined);
    } catch (err) {
      setError(toAppError(err).message);
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="setting ytdlp" aria-busy={busy !== null}>
      {status ? (
        <dl className="facts">
          <dt>In use</dt>
          <dd>{status.path ? `${status.version ?? 'unknown version'} at ${status.path}` : 'yt-dlp was not found.'}</dd>
          <dt>Fetched copy</dt>
          <dd>{copyText(status.managed, 'None yet: Update fetches one into the data folder.')}</dd>
          <dt>Previous copy</dt>
          <dd>{copyText(status.previous, 'None')}</dd>
        </dl>
      ) : (
        <p className={loadError ? 'setting-help setting-warn' : 'setting-help'}>{loadError ?? 'Checking yt-dlp…'}</p>
      )}
      <div className="setting-row">
        <button type="button" disabled={busy !== null} onClick={() => void act('update')}>
          {busy === 'update' ? 'Updating…' : 'Update yt-dlp'}
        </button>
        <button type="button" disabled={busy !== null || !status?.previous} onClick={() => void act('rollback')}>
          {busy === 'rollback' ? 'Rolling back…' : 'Roll back'}
        </button>
      </div>
      <p aria-live="polite" className="setting-help">
        {busy ? BUSY_TEXT[busy] : result}
      </p>
      <FieldError text={error ?? undefined} />
    </div>
  );
}
