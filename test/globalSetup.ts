import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Builds the fake-claude test image once per run. Docker-backed tests need it; with CI=true a
// missing engine must fail the run, never quietly skip it.
export default function setup(): void {
  // The egress proxy runs from its bundle (as in the app); a quick esbuild run keeps it current.
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build-proxy.mjs', import.meta.url))], { stdio: 'inherit', timeout: 60_000 });
  const script = fileURLToPath(new URL('../scripts/test-image/build.sh', import.meta.url));
  try {
    execFileSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  } catch (error) {
    const message = `the test image could not be built (is the Docker engine running?): ${(error as Error).message}`;
    if (process.env.CI) throw new Error(message);
    process.stderr.write(`warning: ${message}\nDocker-backed tests will fail.\n`);
  }
}
