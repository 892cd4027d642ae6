import { Command, CommanderError } from 'commander';
import { registerAll } from './commands/index.js';
import { setExitCode, takeExitCode } from './options/action.js';

// Start-up path of every command (`verdant --help` included): commander and the command modules only. Libraries
// load at the top of the action that needs them (see docs/decisions.md, "CLI start-up").

export function buildProgram(): Command {
  const program = new Command('verdant')
    .description('Measure and reduce the energy, carbon and cost of AI workloads.')
    .version('0.1.0')
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerAll(program);
  for (const cmd of program.commands) cmd.exitOverride();
  // Settings read from the environment are checked before any command acts, and named by their variable.
  program.hook('preAction', async (_program, command) => {
    const [{ readLogLevel, readPort }, errors] = await Promise.all([import('@verdant/core'), import('./options/errors.js')]);
    renderer = errors;
    readLogLevel();
    // `serve --port` defaults to VERDANT_PORT: a bad value there is the variable's fault, not the flag's.
    if (command.name() === 'serve' && command.getOptionValueSource('port') === 'default') readPort();
  });
  return program;
}

let strayHandlersInstalled = false;

/** The error renderer, loaded with the first action (it imports @verdant/core), or on the first failure before one. */
let renderer: typeof import('./options/errors.js') | undefined;

/** Renders any error as one line and returns its exit code. */
async function report(e: unknown): Promise<number> {
  renderer ??= await import('./options/errors.js');
  return renderer.reportError(e);
}

/** An error nobody awaited (an emitter without an error listener, a stray rejection) still ends as one line, exit 1. */
function installStrayErrorHandlers(): void {
  if (strayHandlersInstalled) return;
  strayHandlersInstalled = true;
  const fail = (e: unknown): void => {
    const exit = (code: number): never => {
      process.exitCode = code;
      return process.exit();
    };
    if (renderer) exit(renderer.reportError(e));
    else void report(e).then(exit);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
}

/** Runs the CLI and returns the process exit code (see README "Exit codes"). */
export async function main(argv: string[]): Promise<number> {
  installStrayErrorHandlers();
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      // Commander already printed what is wrong (an unknown option, a missing argument).
      return (await import('@verdant/core')).ExitCode.usage;
    }
    setExitCode(await report(e));
  }
  return takeExitCode();
}
