import { Command, CommanderError } from 'commander';
import { ExitCode } from '@verdant/core';
import { registerAll } from './commands/index.js';
import { reportError, setExitCode, takeExitCode } from './shared.js';

export function buildProgram(): Command {
  const program = new Command('verdant')
    .description('Measure and reduce the energy, carbon and cost of AI workloads.')
    .version('0.1.0')
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerAll(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI and returns the process exit code (see README "Exit codes"). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.ok;
      return ExitCode.usage;
    }
    setExitCode(reportError(e));
  }
  return takeExitCode();
}
