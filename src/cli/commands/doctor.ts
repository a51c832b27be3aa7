import type { Command } from 'commander';
import { CLAUDE_CREDENTIAL_NAMES, formatDoctorReport, runDoctor } from '../../core/doctor/doctor';
import type { Runner } from '../command';
import { openCliSecretStore } from '../secretStore';

/** `claude-bottle doctor [--json]`: the first-run checks; exits 1 when any check fails. */
export function registerDoctorCommand(program: Command, run: Runner): void {
  program
    .command('doctor')
    .description('check that Docker, the docker command, disk space and credentials are ready')
    .option('--json', 'print the checks as JSON')
    .action((flags: { json?: boolean }) =>
      run(async () => {
        const checks = await runDoctor({ secretNames: storedCredentialNames() });
        if (flags.json) process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
        else process.stdout.write(formatDoctorReport(checks, { color: process.stdout.isTTY === true && !process.env.NO_COLOR }));
        return checks.some((check) => check.status === 'fail') ? 1 : 0;
      }),
    );
}

/** The credentials `login` stored that this process can read; a store it cannot open counts as none. */
function storedCredentialNames(): string[] {
  try {
    const store = openCliSecretStore();
    return store.available ? CLAUDE_CREDENTIAL_NAMES.filter((name) => store.readable(name)) : [];
  } catch {
    return [];
  }
}
