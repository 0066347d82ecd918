import { useEffect, useState } from 'react';
import { carriesText, linksInDrop } from './links';

/**
 * Links dragged from a browser or a mail can be dropped anywhere in the window. The overlay appears only for drags
 * that carry text, so dragging a file or a row inside the app does not claim to accept it.
 */
export function DropZone({ onLinks }: { onLinks: (urls: string[]) => void }) {
  const [active, setActive] = useState(false);

  useEffect(() => {
    // dragenter/dragleave fire for every element crossed; only the outermost pair means entering or leaving the window
    let depth = 0;
    const enter = (event: DragEvent) => {
      if (!carriesText(event.dataTransfer)) return;
      depth++;
      setActive(true);
    };
    const over = (event: DragEvent) => {
      if (!carriesText(event.dataTransfer)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
    };
    const leave = (event: DragEvent) => {
      if (!carriesText(event.dataTransfer)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setActive(false);
    };
    const drop = (event: DragEvent) => {
      depth = 0;
      setActive(false);
      if (!carriesText(event.dataTransfer)) return;
      event.preventDefault();
      onLinks(linksInDrop(event.dataTransfer));
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, [onLinks]);

  if (!active) return null;
  return (
    <div className="drop-overlay">
      <p>Drop links to download</p>
    </div>
  );
}
