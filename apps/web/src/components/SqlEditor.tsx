import { useRef, useState, type KeyboardEvent } from 'react';

const LINE_HEIGHT = 20;
const PADDING = 8;

/**
 * A monospace SQL editor: a textarea with line numbers, Ctrl/Cmd+Enter to run, Tab to indent,
 * and the line of an error marked in the gutter and highlighted behind the text. Lines never
 * wrap, so a line number is always one row of the textarea.
 */
export function SqlEditor({ value, onChange, onRun, errorLine }: { value: string; onChange: (v: string) => void; onRun: () => void; errorLine?: number | undefined }) {
  const [scroll, setScroll] = useState(0);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const lines = Math.max(1, value.split('\n').length);
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      onRun();
    } else if (e.key === 'Tab' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      const t = e.currentTarget;
      const { selectionStart: start, selectionEnd: end } = t;
      onChange(value.slice(0, start) + '  ' + value.slice(end));
      requestAnimationFrame(() => textarea.current?.setSelectionRange(start + 2, start + 2));
    }
  };
  return (
    <div className="of-sql-editor" data-testid="sql-editor">
      <div className="of-sql-gutter" aria-hidden>
        <div style={{ transform: `translateY(${-scroll}px)` }}>
          {Array.from({ length: lines }, (_, i) => (
            <div key={i} className={i + 1 === errorLine ? 'of-sql-gutter-error' : undefined} data-testid={i + 1 === errorLine ? 'sql-error-line' : undefined}>
              {i + 1}
            </div>
          ))}
        </div>
      </div>
      <div className="of-sql-text">
        {errorLine ? <div className="of-sql-line-highlight" aria-hidden style={{ top: PADDING + (errorLine - 1) * LINE_HEIGHT - scroll, height: LINE_HEIGHT }} /> : null}
        <textarea
          ref={textarea}
          aria-label="SQL query"
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          wrap="off"
          value={value}
          placeholder={'SELECT region, sum(amount) FROM "/Space/Project/sales" GROUP BY 1'}
          onChange={(e) => onChange(e.currentTarget.value)}
          onKeyDown={onKeyDown}
          onScroll={(e) => setScroll(e.currentTarget.scrollTop)}
          data-testid="sql-textarea"
        />
      </div>
    </div>
  );
}
