import { useEffect, useId, useState, type ReactNode } from 'react';
import type { MethodInput, SecretName, Settings as SettingsValues } from '../../../shared/contract';
import { toAppError } from '../../../shared/errors';
import { formatBytes } from '../../../shared/format';
import { useClient } from '../client/context';
import { useSettings, type SystemInfo } from '../store/settings';
import {
  FIELDS,
  GROUPS,
  PROTECTION_TEXT,
  SECRET_FIELDS,
  type CheckboxField,
  type Field,
  type GroupId,
  type ListField,
  type NumberField,
  type SecretField,
  type SelectField,
  type TextField,
} from './settings-fields';
import { useSavedValue, type Save } from './settings-save';
import { ProviderSettings, YtdlpPanel } from './SettingsProviders';
import './screens.css';

type Patch = MethodInput<'settings.update'>;

/** The one place a value becomes a patch: the engine validates every value against its schema. */
function patchOf(key: keyof SettingsValues, value: unknown): Patch {
  return { [key]: value } as Patch;
}

/** Label, help and error around one control, with the ids that tie them together for assistive technology. */
function Setting({ label, help, error, children }: { label: string; help?: string; error?: string; children: (ids: { id: string; describedBy?: string }) => ReactNode }) {
  const id = useId();
  const describedBy = [help && `${id}-help`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return (
    <div className="setting">
      <label htmlFor={id}>{label}</label>
      {children({ id, describedBy })}
      {help && (
        <p id={`${id}-help`} className="setting-help">
          {help}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} role="alert" className="setting-error">
          {error}
        </p>
      )}
    </div>
  );
}

function asText(field: NumberField | TextField | ListField, settings: SettingsValues): string {
  if (field.kind === 'list') return settings[field.key].join(', ');
  return String(settings[field.key]);
}

function fromText(field: NumberField | TextField | ListField, text: string): unknown {
  if (field.kind === 'text') return text.trim();
  if (field.kind === 'list') return text.split(',').map((s) => s.trim()).filter(Boolean);
  // An empty box is not zero (0 KB/s would mean "unlimited"): send NaN and let the engine say what it needs.
  return text.trim() === '' ? Number.NaN : Number(text);
}

/** Text, number and list settings: edited freely, saved on blur or Enter, left as typed when the engine refuses. */
function TextSetting({ field, settings, info, error, save }: { field: NumberField | TextField | ListField; settings: SettingsValues; info: SystemInfo | null; error?: string; save: Save }) {
  const saved = asText(field, settings);
  const [draft, setDraft] = useState<string | null>(null);

  async function commit(): Promise<void> {
    if (draft === null) return;
    if (draft === saved) return setDraft(null);
    if (await save(field, fromText(field, draft))) setDraft(null);
  }

  // An empty library folder means the default one: show which folder that is.
  const placeholder = field.key === 'libraryDir' ? info?.libraryDir : undefined;
  const range = field.kind === 'number' ? `From ${field.min.toLocaleString()} to ${field.max.toLocaleString()}.` : undefined;
  const common = {
    value: draft ?? saved,
    'aria-invalid': error ? true : undefined,
    onChange: (event: { target: { value: string } }) => setDraft(event.target.value),
    onBlur: () => void commit(),
  };
  return (
    <Setting label={field.label} help={[field.help, range].filter(Boolean).join(' ') || undefined} error={error}>
      {({ id, describedBy }) =>
        // Enter is a new line in a text area: it saves when left, like the other fields do on blur.
        field.kind === 'text' && field.multiline ? (
          <textarea id={id} rows={3} spellCheck={false} aria-describedby={describedBy} {...common} />
        ) : (
          <input
            id={id}
            type={field.kind === 'number' ? 'number' : 'text'}
            {...(field.kind === 'number'
              ? { min: field.min, max: field.max, step: field.step, inputMode: field.step === 1 ? ('numeric' as const) : ('decimal' as const) }
              : { spellCheck: false })}
            placeholder={placeholder}
            aria-describedby={describedBy}
            {...common}
            onKeyDown={(event) => {
              if (event.key === 'Enter') void commit();
            }}
          />
        )
      }
    </Setting>
  );
}

function CheckboxSetting({ field, settings, error, save }: { field: CheckboxField; settings: SettingsValues; error?: string; save: Save }) {
  const id = useId();
  const [checked, change] = useSavedValue(settings[field.key], (value) => save(field, value));
  return (
    <div className="setting setting-check">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(event) => change(event.target.checked)}
      />
      <label htmlFor={id}>{field.label}</label>
      {error && (
        <p id={`${id}-error`} role="alert" className="setting-error">
          {error}
        </p>
      )}
    </div>
  );
}

function SelectSetting({ field, settings, error, save }: { field: SelectField; settings: SettingsValues; error?: string; save: Save }) {
  const [selected, change] = useSavedValue<string>(settings[field.key], (value) => save(field, value));
  return (
    <Setting label={field.label} help={field.help} error={error}>
      {({ id, describedBy }) => (
        <select id={id} value={selected} aria-invalid={error ? true : undefined} aria-describedby={describedBy} onChange={(event) => change(event.target.value)}>
          {field.options.map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      )}
    </Setting>
  );
}

function RadioSetting({ field, settings, error, save }: { field: SelectField; settings: SettingsValues; error?: string; save: Save }) {
  const name = useId();
  const [selected, change] = useSavedValue<string>(settings[field.key], (value) => save(field, value));
  return (
    <fieldset className="setting setting-radio">
      <legend>{field.label}</legend>
      {field.options.map(([value, text]) => (
        <label key={value}>
          <input type="radio" name={name} value={value} checked={selected === value} onChange={() => change(value)} />
          {text}
        </label>
      ))}
      {error && (
        <p role="alert" className="setting-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}

const ORIGIN_TEXT: Record<NonNullable<SystemInfo['binaries'][number]['origin']>, string> = {
  setting: 'from this setting',
  env: 'from an environment variable',
  bundled: 'bundled with ClipHarbor',
  path: 'found on PATH',
};

/** What the engine found for a program: its version and where, or why it cannot be used. */
function BinaryStatus({ binary }: { binary: SystemInfo['binaries'][number] | undefined }) {
  if (!binary) return null;
  if (binary.error || !binary.path) return <p className="setting-help setting-warn">{binary.error ?? `${binary.name} was not found.`}</p>;
  return (
    <p className="setting-help">
      {binary.name} {binary.version ?? '(unknown version)'} at <code>{binary.path}</code>
      {binary.origin && `, ${ORIGIN_TEXT[binary.origin]}`}
    </p>
  );
}

function FieldControl({ field, settings, info, error, save }: { field: Field; settings: SettingsValues; info: SystemInfo | null; error?: string; save: Save }) {
  switch (field.kind) {
    case 'checkbox':
      return <CheckboxSetting field={field} settings={settings} error={error} save={save} />;
    case 'select':
      return <SelectSetting field={field} settings={settings} error={error} save={save} />;
    case 'radio':
      return <RadioSetting field={field} settings={settings} error={error} save={save} />;
    default:
      return (
        <>
          <TextSetting field={field} settings={settings} info={info} error={error} save={save} />
          {field.kind === 'text' && field.binary && <BinaryStatus binary={info?.binaries.find((b) => b.name === field.binary)} />}
        </>
      );
  }
}

function LibraryFacts({ info }: { info: SystemInfo | null }) {
  const id = useId();
  if (!info) return null;
  return (
    <>
      <div className="setting">
        <label htmlFor={id}>Data folder</label>
        <input id={id} type="text" readOnly value={info.dataDir} aria-describedby={`${id}-help`} />
        <p id={`${id}-help`} className="setting-help">
          The queue, library index and settings. Set when ClipHarbor starts.
        </p>
      </div>
      <p className="setting-help">Free space in the library folder: {info.diskFreeBytes === null ? 'unknown' : formatBytes(info.diskFreeBytes)}</p>
    </>
  );
}

/** A write-only value: it can be replaced or cleared, never read back, so the screen only says whether it is set. */
function SecretSetting({ field, isSet, fromEnv, onSaved }: { field: SecretField; isSet: boolean; fromEnv: string | null; onSaved(text: string): void }) {
  const client = useClient();
  const id = useId();
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);

  async function change(action: (name: SecretName) => Promise<boolean>, done: string): Promise<void> {
    if (await action(field.name)) {
      setValue('');
      setError(null);
      onSaved(done);
    } else {
      setError(useSettings.getState().error);
    }
  }
  const { setSecret, clearSecret } = useSettings.getState();

  return (
    <form
      className="setting setting-secret"
      aria-labelledby={`${id}-name`}
      onSubmit={(event) => {
        event.preventDefault();
        void change((name) => setSecret(client, name, value), `Saved: ${field.label}`);
      }}
    >
      <p id={`${id}-name`} className="setting-secret-state">
        {field.label}: <strong>{isSet ? 'Set' : 'Not set'}</strong>
        {fromEnv && <> (by the environment variable {fromEnv}, which wins over a value saved here)</>}
      </p>
      <label htmlFor={id}>New {field.noun}</label>
      <div className="setting-row">
        <input
          id={id}
          type={field.masked ? 'password' : 'text'}
          autoComplete="off"
          spellCheck={false}
          value={value}
          aria-describedby={`${id}-help${error ? ` ${id}-error` : ''}`}
          onChange={(event) => setValue(event.target.value)}
        />
        <button type="submit" disabled={value === ''} aria-label={`Save ${field.noun}`}>
          Save
        </button>
        <button type="button" disabled={!isSet} aria-label={`Clear ${field.noun}`} onClick={() => void change((name) => clearSecret(client, name), `Cleared: ${field.label}`)}>
          Clear
        </button>
      </div>
      <p id={`${id}-help`} className="setting-help">
        {field.help}
      </p>
      {error && (
        <p id={`${id}-error`} role="alert" className="setting-error">
          {error}
        </p>
      )}
    </form>
  );
}

/** What a group shows before its fields: the editors that are more than one value in one box. */
function GroupLead({ group, settings, errors, save }: { group: GroupId; settings: SettingsValues; errors: Errors; save: Save }) {
  if (group === 'providers') return <ProviderSettings settings={settings} errors={errors} save={save} />;
  if (group === 'ytdlp') return <YtdlpPanel />;
  return null;
}

/** What a group shows after its fields: facts about the library, and the write-only secrets that belong to it. */
function GroupExtras({ group, info, onSaved }: { group: GroupId; info: SystemInfo | null; onSaved(text: string): void }) {
  const secrets = useSettings((s) => s.secrets);
  if (group === 'library') return <LibraryFacts info={info} />;
  const fields = SECRET_FIELDS.filter((f) => f.group === group);
  if (fields.length === 0 || !secrets) return null;
  return (
    <>
      <p className="setting-help">{PROTECTION_TEXT[secrets.protection]}</p>
      {fields.map((field) => (
        <SecretSetting key={field.name} field={field} isSet={secrets.set[field.name] ?? false} fromEnv={secrets.fromEnv[field.name] ?? null} onSaved={onSaved} />
      ))}
    </>
  );
}

type Errors = Partial<Record<keyof SettingsValues, string>>;

export function Settings() {
  const client = useClient();
  const settings = useSettings((s) => s.settings);
  const info = useSettings((s) => s.info);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const [status, setStatus] = useState('');
  const headingId = useId();

  // Loaded on every visit: free space and the programs found may have changed since. The App keeps the store
  // subscribed as well; subscribing here too keeps the screen live wherever it is rendered.
  useEffect(() => {
    useSettings
      .getState()
      .load(client)
      .catch((err: unknown) => setLoadError(toAppError(err).message));
    return useSettings.getState().subscribe(client);
  }, [client]);

  const save: Save = async (target, value) => {
    const ok = await useSettings.getState().update(client, patchOf(target.key, value));
    setErrors((old) => ({ ...old, [target.key]: ok ? undefined : (useSettings.getState().error ?? undefined) }));
    setStatus(ok ? `Saved: ${target.label}` : '');
    return ok;
  };

  return (
    <section className="screen settings" aria-labelledby={headingId}>
      <h2 id={headingId}>Settings</h2>
      <p role="status" className="settings-status">
        {status}
      </p>
      {loadError && (
        <p role="alert" className="alert">
          {loadError}
        </p>
      )}
      {settings === null
        ? !loadError && <p>Loading settings…</p>
        : GROUPS.map((group) => (
            <fieldset key={group.id} className="settings-group">
              <legend>{group.legend}</legend>
              {group.note && <p className="setting-help">{group.note}</p>}
              <GroupLead group={group.id} settings={settings} errors={errors} save={save} />
              {FIELDS.filter((f) => f.group === group.id).map((field) => (
                <FieldControl key={field.key} field={field} settings={settings} info={info} error={errors[field.key]} save={save} />
              ))}
              <GroupExtras group={group.id} info={info} onSaved={setStatus} />
            </fieldset>
          ))}
    </section>
  );
}
