/**
 * jPDL element names are looked up as names, not as properties of an object: `<constructor>`,
 * `<toString>`, `<__proto__>` and the like are refused as elements the language does not have.
 */
import { describe, expect, it } from 'vitest';
import { compileProcessFile } from '../../src/process/definition.js';
import { ProcessDefinitionError } from '../../src/process/model.js';

describe('jPDL elements named like members of Object.prototype', () => {
  for (const element of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']) {
    it(`<${element}> is refused as not part of jPDL`, () => {
      const source = `<process-definition name="p"><start-state name="s"><transition to="x"/></start-state><${element} name="x"><transition to="e"/></${element}><end-state name="e"/></process-definition>`;
      expect(() => compileProcessFile(`${element}.jpdl.xml`, source)).toThrow(ProcessDefinitionError);
    });
  }
});
