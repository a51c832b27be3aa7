import { useState, type FormEvent } from 'react';
import type { ProjectView, RecentProject } from '#contract';
import { baseName } from '../format';

interface Props {
  transport: 'electron' | 'browser';
  project: ProjectView | null;
  /** The folder being opened or last asked for, shown while there is no project view. */
  requestedDir: string | null;
  loading: boolean;
  recent: RecentProject[];
  onOpen(dir: string): void;
  onPickFolder(): void;
}

/**
 * The top of the sidebar: which project is open, and how to open another — the open-folder dialog
 * in Electron, a path field in a browser (it cannot see the host's folders), recent projects, and
 * a folder dropped anywhere on the window (handled by the app).
 */
export function ProjectPicker({ transport, project, requestedDir, loading, recent, onOpen, onPickFolder }: Props) {
  const [path, setPath] = useState('');
  const current = project?.root ?? requestedDir;
  const others = recent.filter((entry) => entry.root !== project?.root);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const dir = path.trim();
    if (!dir) return;
    onOpen(dir);
    // The folder now shows above; the field is for the next one.
    setPath('');
  };

  return (
    <section className="project-picker" aria-label="project">
      <div className="project-current">
        <div className="project-name" title={current ?? undefined}>
          {project ? project.name : current ? baseName(current) : 'No project open'}
          {loading ? <span className="spinner" aria-label="loading" /> : null}
        </div>
        {current ? <div className="project-root mono" title={current}>{current}</div> : null}
      </div>

      {transport === 'electron' ? (
        <button type="button" className="button" onClick={onPickFolder}>
          Open folder…
        </button>
      ) : (
        <form className="path-form" onSubmit={submit}>
          <input
            className="path-input mono"
            type="text"
            aria-label="project folder"
            placeholder="/path/to/project"
            spellCheck={false}
            autoComplete="off"
            value={path}
            onChange={(event) => setPath(event.target.value)}
          />
          <button type="submit" className="button" disabled={path.trim() === ''}>
            Open
          </button>
        </form>
      )}

      {others.length > 0 ? (
        <label className="recent">
          <span>Recent</span>
          <select
            aria-label="recent projects"
            value=""
            onChange={(event) => {
              if (event.target.value) onOpen(event.target.value);
            }}
          >
            <option value="">Open a recent project…</option>
            {others.map((entry) => (
              <option key={entry.root} value={entry.root} title={entry.root}>
                {entry.name} — {entry.root}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <p className="drop-hint">{transport === 'electron' ? 'or drop a folder on the window' : 'or drop a folder path on the window'}</p>
    </section>
  );
}
