import { type Command, InvalidArgumentError } from 'commander';
import { BottleError } from '../../core/errors';
import type { AppSecretStore } from '../../core/secrets/appSecretStore';
import { aLoginKind, checkCredential, describeLogin, LOGIN_SECRET_NAME, type LoginKind } from '#claude-credential';
import type { Runner } from '../command';
import { EXIT } from '../exitCodes';
import { paintDim } from '../output';
import { readSecretFromPipe, readSecretFromTerminal } from '../readSecret';

// `claude-bottle login` / `logout`: one Anthropic credential kept in the app's secret store (the OS
// keychain), serving every bottle whose manifest names none of its own. Only its kind and last 4
// characters are ever printed. See docs/operations.md.

export type SecretStoreFactory = () => AppSecretStore;

const KINDS: readonly LoginKind[] = ['api-key', 'oauth'];

export function registerLoginCommand(program: Command, openStore: SecretStoreFactory, run: Runner): void {
  program
    .command('login')
    .description('store your Anthropic API key or subscription token for every bottle (asked hidden, or read from standard input)')
    .option('--kind <kind>', 'what it is: api-key or oauth (default: told by its prefix)', parseKind)
    .addHelpText(
      'after',
      '\nA subscription (Pro, Max) token comes from `claude setup-token`, run on this machine; an API key from the Anthropic Console.\n' +
        'Example: echo "$ANTHROPIC_API_KEY" | claude-bottle login',
    )
    .action((flags: { kind?: LoginKind }) =>
      run(async () => {
        const store = openStore();
        if (!store.available) {
          throw new BottleError(
            'unsupported',
            'logging in needs the OS keychain, and none can be reached from here',
            'on Linux install secret-tool (libsecret-tools) with a running Secret Service, or sign in from the desktop app, or set ANTHROPIC_API_KEY / CLAUDE_CODE_OAUTH_TOKEN in the environment',
          );
        }
        const raw = process.stdin.isTTY
          ? await readSecretFromTerminal(
              'Paste an Anthropic API key (sk-ant-api…) or a subscription token (sk-ant-oat…; run `claude setup-token` to get one).\n' +
                'It is not shown as you type or paste. Credential: ',
            )
          : await readSecretFromPipe();
        const checked = checkCredential(raw, flags.kind);
        if (!checked.ok) {
          throw new BottleError('usage', `not stored: ${checked.problem}`, checked.unknownKind ? 'if it is one, say which with --kind api-key or --kind oauth' : undefined);
        }
        const name = LOGIN_SECRET_NAME[checked.kind];
        const other = LOGIN_SECRET_NAME[checked.kind === 'api-key' ? 'oauth' : 'api-key'];
        store.set(name, checked.value);
        // One login: storing one kind forgets the other, so the two can never disagree.
        const replaced = store.delete(other);
        process.stdout.write(`Logged in with your ${describeLogin(checked.kind, checked.value)} (recognised as ${aLoginKind(checked.kind)}, stored as ${name} in the OS keychain).\n`);
        if (replaced) process.stdout.write(`The stored ${other} was removed.\n`);
        process.stdout.write(paintDim("Every bottle whose manifest names no credential of its own uses it; `claude-bottle logout` forgets it.\n"));
        // The environment's API key wins over any token, as in Claude Code itself.
        if (checked.kind === 'oauth' && process.env.ANTHROPIC_API_KEY) {
          process.stderr.write('warning: ANTHROPIC_API_KEY is set in your environment and wins over the stored token: unset it to use the token\n');
        }
        return EXIT.ok;
      }),
    );

  program
    .command('logout')
    .description('forget the Anthropic credential stored by login (or Sign in)')
    .action(() =>
      run(async () => {
        const store = openStore();
        const removed = KINDS.map((kind) => LOGIN_SECRET_NAME[kind]).filter((name) => store.delete(name));
        process.stdout.write(removed.length === 0 ? 'No stored Anthropic credential: nothing to forget.\n' : `Forgot the stored ${removed.join(' and ')}.\n`);
        const left = KINDS.map((kind) => LOGIN_SECRET_NAME[kind]).filter((name) => process.env[name]);
        if (left.length > 0) process.stdout.write(paintDim(`${left.join(' and ')} ${left.length === 1 ? 'is' : 'are'} still set in your environment, which bottles use.\n`));
        return EXIT.ok;
      }),
    );
}

function parseKind(value: string): LoginKind {
  if ((KINDS as readonly string[]).includes(value)) return value as LoginKind;
  throw new InvalidArgumentError('the kind is api-key or oauth');
}
