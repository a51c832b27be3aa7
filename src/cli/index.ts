import { main } from './main';

// The `claude-bottle` command, from source (`npm run cli`) and electron-vite's build.
await main(process.argv.slice(2));
