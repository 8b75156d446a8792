#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { devnetCommand } from './commands/devnet.command.js';
import { packetCommand, packetsCommand } from './commands/packets.command.js';
import { routeCommand } from './commands/route.command.js';
import { scenarioCommand } from './commands/scenario.command.js';
import { upCommand } from './commands/up.command.js';

const program = new Command('segctl')
  .description('Operate Segment Bridge: local devnet, packets, scenarios, liquidity routes.')
  .showHelpAfterError()
  .exitOverride();
program.addCommand(upCommand());
program.addCommand(devnetCommand());
program.addCommand(packetsCommand());
program.addCommand(packetCommand());
program.addCommand(scenarioCommand());
program.addCommand(routeCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`segctl: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
