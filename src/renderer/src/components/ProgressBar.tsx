/**
 * A determinate bar when the percentage is known; otherwise an animated one while work goes on (resolving, live
 * streams without a size) and an empty one while waiting, so a queued job never looks busy.
 */
export function ProgressBar({ percent, label, busy }: { percent: number | null; label: string; busy: boolean }) {
  const known = percent !== null;
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={known ? Math.round(percent) : undefined}
      data-indeterminate={!known && busy ? '' : undefined}
    >
      <div className="progress-fill" style={known ? { transform: `scaleX(${percent / 100})` } : undefined} />
    </div>
  );
}
