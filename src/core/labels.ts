// Docker labels the app puts on what it creates; a module of its own so that pure code (the plan)
// can name them without loading the Docker client.

/** The labels that find a bottle's container: `ps` and re-attach rely on them, not on names. */
export const LABELS = {
  slug: 'claude-bottle.slug',
  agent: 'claude-bottle.agent',
  project: 'claude-bottle.project',
  /** The state root that owns the bottle, so two state roots (tests, users) never mix. */
  home: 'claude-bottle.home',
} as const;
