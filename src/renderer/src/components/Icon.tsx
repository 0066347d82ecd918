/**
 * Inline SVG icons: no icon font or image file to load (the CSP lets in no fonts from outside), and no reliance on the
 * system fonts having a glyph for ⏸ or ↻, which many Linux installs lack. Always decorative: the button names them.
 */
const PATHS = {
  pause: 'M8 5v14M16 5v14',
  play: 'M7 4.5v15l12-7.5z',
  cancel: 'M6 6l12 12M18 6L6 18',
  retry: 'M20 12a8 8 0 1 1-2.34-5.66M20 4v5h-5',
  up: 'M12 19V5M6 11l6-6 6 6',
  down: 'M12 5v14M6 13l6 6 6-6',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name }: { name: IconName }) {
  return (
    <svg className="icon-svg" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} />
    </svg>
  );
}
