/**
 * `cmt` loads only the module of the command it runs (src/cli/command-table.ts). The table must
 * say what the modules define: otherwise help would list a command that is not there, miss one,
 * or describe it wrongly, and a command could load the wrong module.
 */
import { Help, type Command } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandOf, registerStubs } from '../../src/cli/command-table.js';
import { cmtProgram } from '../../src/cli/program.js';
import { cmt } from '../support/cli.js';

/** The program with every module's commands registered, each module once. */
async function fullProgram(): Promise<Command> {
  const program = cmtProgram();
  const registers = new Set(await Promise.all(COMMANDS.map((c) => c.load())));
  for (const register of registers) register(program);
  return program;
}

describe('the table of top-level commands', () => {
  it('names, aliases, descriptions and options as the modules define them, in their order', async () => {
    const full = await fullProgram();
    const help = new Help();
    expect(full.commands.map((c) => [c.name(), ...c.aliases()])).toEqual(COMMANDS.map((c) => c.names));
    for (const [i, c] of full.commands.entries()) {
      const entry = COMMANDS[i];
      expect(c.description()).toBe(entry?.description);
      expect(help.subcommandTerm(c).includes('[options]'), c.name()).toBe(entry?.options);
    }
  });

  it("each entry loads the module that defines that command", async () => {
    for (const entry of COMMANDS) {
      const program = cmtProgram();
      (await entry.load())(program);
      expect(program.commands.map((c) => c.name()), entry.names[0]).toContain(entry.names[0]);
    }
  });

  it('help from the table is the full program\'s help', async () => {
    const stubs = cmtProgram();
    registerStubs(stubs);
    expect(stubs.helpInformation()).toBe((await fullProgram()).helpInformation());
  });

  it('the command run is the first word, or the word after help; an option first or an unknown word runs none', () => {
    const names = COMMANDS.flatMap((c) => c.names);
    const word = fc.oneof(fc.constantFrom(...names, 'help', 'nosuch', '-h', '--help', '-V', '--version'), fc.string({ maxLength: 8 }));
    fc.assert(
      fc.property(fc.array(word, { maxLength: 4 }), (args) => {
        const named = args[0] === 'help' ? args[1] : args[0];
        const expected = named === undefined || named.startsWith('-') ? undefined : COMMANDS.find((c) => c.names.includes(named));
        expect(commandOf(args)).toBe(expected);
      }),
    );
  });
});

describe('cmt as a user types it', () => {
  it('--help lists every command; an unknown one is refused with a suggestion; an alias runs its command', async () => {
    const help = await cmt(['--help']);
    expect(help.code).toBe(0);
    for (const entry of COMMANDS) expect(help.stdout.replace(/\s+/g, ' ')).toContain(entry.description);
    const unknown = await cmt(['keyz']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'keyz'/);
    expect(unknown.stderr).toMatch(/keys/);
    const alias = await cmt(['q', '--help']);
    expect(alias.code).toBe(0);
    expect(alias.stdout).toContain('account');
    const viaHelp = await cmt(['help', 'tx']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toContain('send');
    // An option before the command: the program's help, every command listed.
    const helpFirst = await cmt(['--help', 'tx']);
    expect(helpFirst.code).toBe(0);
    for (const entry of COMMANDS) expect(helpFirst.stdout).toContain(entry.names[0]);
  });
});
