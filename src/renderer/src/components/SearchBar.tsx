import { useEffect, useRef, useState } from 'react';
import type { TerminalController } from '../terminal/TerminalController';

/** Scrollback search for one terminal (Ctrl/Cmd+F). Enter: next; Shift+Enter: previous; Escape: close. */
export function SearchBar({ controller, onClose }: { controller: TerminalController; onClose(): void }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [query, setQuery] = useState('');
  const [caseSensitive, setCaseSensitive] = useState(false);
  const [regex, setRegex] = useState(false);
  const [found, setFound] = useState<boolean | null>(null);

  useEffect(() => {
    inputRef.current?.focus();
    inputRef.current?.select();
    return () => controller.clearSearch();
  }, [controller]);

  const options = { caseSensitive, regex };
  const run = (direction: 'next' | 'previous' | 'incremental', text = query, opts = options): void => {
    if (text === '') {
      controller.clearSearch();
      setFound(null);
      return;
    }
    try {
      const hit = direction === 'previous' ? controller.findPrevious(text, opts) : direction === 'next' ? controller.findNext(text, opts) : controller.findIncremental(text, opts);
      setFound(hit);
    } catch {
      setFound(false); // an unfinished regular expression
    }
  };

  const close = (): void => {
    controller.clearSearch();
    onClose();
    controller.focus();
  };

  return (
    <div className="search-bar" role="search">
      <input
        ref={inputRef}
        className={`search-input${found === false ? ' not-found' : ''}`}
        type="text"
        aria-label="search the terminal"
        placeholder="Search"
        spellCheck={false}
        value={query}
        onChange={(event) => {
          setQuery(event.target.value);
          run('incremental', event.target.value);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            run(event.shiftKey ? 'previous' : 'next');
          } else if (event.key === 'Escape') {
            event.preventDefault();
            event.stopPropagation();
            close();
          }
        }}
      />
      <button
        type="button"
        className={`icon-button${caseSensitive ? ' on' : ''}`}
        aria-pressed={caseSensitive}
        title="Match case"
        onClick={() => {
          setCaseSensitive(!caseSensitive);
          run('incremental', query, { caseSensitive: !caseSensitive, regex });
        }}
      >
        Aa
      </button>
      <button
        type="button"
        className={`icon-button${regex ? ' on' : ''}`}
        aria-pressed={regex}
        title="Regular expression"
        onClick={() => {
          setRegex(!regex);
          run('incremental', query, { caseSensitive, regex: !regex });
        }}
      >
        .*
      </button>
      <button type="button" className="icon-button" title="Previous match (Shift+Enter)" aria-label="previous match" onClick={() => run('previous')}>
        ↑
      </button>
      <button type="button" className="icon-button" title="Next match (Enter)" aria-label="next match" onClick={() => run('next')}>
        ↓
      </button>
      <button type="button" className="icon-button" title="Close (Escape)" aria-label="close search" onClick={close}>
        ×
      </button>
    </div>
  );
}
