/**
 * One real node for a whole describe block: started (with `funded` funded accounts, past height 2)
 * before its tests, stopped and its home removed after them.
 */
import { afterAll, beforeAll } from 'vitest';
import { makeTestHome, startTestNode, waitForHeight, type RunningTestNode, type TestHome } from './nodes.js';

export interface SuiteNode {
  /** The running node; read it inside tests and hooks (it exists once beforeAll has run). */
  readonly running: RunningTestNode;
}

/** Registers the node's beforeAll/afterAll; `beforeStop` closes what the tests opened against it before the node stops. */
export function suiteNode(funded: number, beforeStop: () => void = () => {}): SuiteNode {
  let home: TestHome | undefined;
  let running: RunningTestNode | undefined;

  beforeAll(async () => {
    home = await makeTestHome(funded);
    running = await startTestNode(home.home);
    await waitForHeight(running.node, 2);
  }, 60_000);

  afterAll(async () => {
    beforeStop();
    await running?.stop();
    await home?.cleanup();
  });

  return {
    get running(): RunningTestNode {
      if (!running) throw new Error('the suite node is not started yet');
      return running;
    },
  };
}
