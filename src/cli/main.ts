import { Command, CommanderError } from 'commander';
import { TastebudError } from '../contracts/errors.ts';
import { cliWording } from '../data/readers/hints.ts';
import { registerData } from './commands/data.ts';
import { registerTrain } from './commands/train.ts';
import { registerRecommend } from './commands/recommend.ts';
import { registerEvaluate } from './commands/evaluate.ts';
import { registerModels } from './commands/models.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerExperiment } from './commands/experiment.ts';
import { registerServe } from './commands/serve.ts';
import { registerExplore } from './commands/explore.ts';

/** The `tastebud` command: a thin shell over the library (flags → library calls → printing). */
export function buildProgram(): Command {
  const program = new Command('tastebud').description('train, evaluate and serve recommenders').version('0.1.0').showHelpAfterError('(add --help for usage)').exitOverride();
  registerData(program);
  registerTrain(program);
  registerRecommend(program);
  registerEvaluate(program);
  registerExperiment(program);
  registerModels(program);
  registerDoctor(program);
  registerServe(program);
  registerExplore(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `tastebud models | head -1`: a reader that has seen enough closes the pipe; that ends us quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    // Errors about the user's input are stated plainly; anything else is a bug and keeps its stack.
    if (error instanceof TastebudError) process.stderr.write(`tastebud: ${cliWording(error.message)}\n`);
    else process.stderr.write(`tastebud: unexpected error: ${(error as Error).stack ?? error}\n`);
    process.exitCode = 1;
  }
}
