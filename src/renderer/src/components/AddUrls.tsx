import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import { QUALITIES, type Quality } from '../../../shared/contract';
import { QUALITY_LABELS } from '../format';
import { useSettings } from '../store/settings';
import { Icon } from './Icon';
import type { AddFeedback, Adder } from './useAdder';

/** The add bar shown above every screen: links in, a quality, and what happened to them. */
export function AddUrls({ adder }: { adder: Adder }) {
  const defaultQuality = useSettings((s) => s.settings?.defaultQuality ?? 'best');
  const [text, setText] = useState('');
  // null until the user picks one, so a change of the default in Settings still shows here
  const [picked, setPicked] = useState<Quality | null>(null);
  const [busy, setBusy] = useState(false);
  const urlsId = useId();
  const qualityId = useId();
  const quality = picked ?? defaultQuality;

  const submit = async () => {
    setBusy(true);
    try {
      setText(await adder.addTyped(text, quality));
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit();
  };

  // Enter alone adds a line; Ctrl/Cmd+Enter adds the links, as in most chat and mail boxes.
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void submit();
    }
  };

  const audioOnly = quality === 'audio';
  const toggleAudio = (checked: boolean) => setPicked(checked ? 'audio' : defaultQuality === 'audio' ? 'best' : defaultQuality);

  return (
    <form className="add-bar" onSubmit={onSubmit}>
      <label htmlFor={urlsId} className="sr-only">
        Add URLs
      </label>
      <textarea
        id={urlsId}
        className="add-urls"
        rows={1}
        placeholder="Paste links to download — one per line (Ctrl+Enter adds)"
        spellCheck={false}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <label htmlFor={qualityId} className="field-label">
        Quality
      </label>
      <select id={qualityId} value={quality} onChange={(event) => setPicked(event.target.value as Quality)}>
        {QUALITIES.map((q) => (
          <option key={q} value={q}>
            {QUALITY_LABELS[q]}
          </option>
        ))}
      </select>
      <label className="check">
        <input type="checkbox" checked={audioOnly} onChange={(event) => toggleAudio(event.target.checked)} />
        Audio only
      </label>
      <button type="submit" className="primary" disabled={busy}>
        Add
      </button>
      <AddFeedbackView feedback={adder.feedback} onDismiss={adder.dismiss} />
    </form>
  );
}

function AddFeedbackView({ feedback, onDismiss }: { feedback: AddFeedback; onDismiss: () => void }) {
  return (
    <div className="add-feedback">
      <p role="status" className="add-status">
        {feedback.status}
      </p>
      {feedback.error && (
        <div role="alert" className="alert alert-row">
          <div>
            <p>{feedback.error}</p>
            {feedback.bad.length > 0 && (
              <ul aria-label="Lines that are not links">
                {feedback.bad.map((bad, i) => (
                  <li key={`${i}:${bad.text}`}>{bad.message}</li>
                ))}
              </ul>
            )}
          </div>
          <button type="button" className="icon" aria-label="Dismiss the error" onClick={onDismiss}>
            <Icon name="cancel" />
          </button>
        </div>
      )}
    </div>
  );
}
