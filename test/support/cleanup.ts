import type { TestContext } from 'node:test';

const stacks = new WeakMap<TestContext, (() => unknown)[]>();

/**
 * Registers where a thing is made what undoes it, to run once test `t` is over (`t.after`), the
 * last registered first: a thing made later may stand on one made earlier (a server on its data
 * folder, a client on its database). Every cleanup runs; the first failure is reported after.
 */
export function onCleanup(t: TestContext, undo: () => unknown): void {
  let stack = stacks.get(t);
  if (!stack) {
    const registered: (() => unknown)[] = [];
    stack = registered;
    stacks.set(t, registered);
    t.after(async () => {
      let failure: { error: unknown } | undefined;
      for (const step of registered.reverse()) {
        try {
          await step();
        } catch (error) {
          failure ??= { error };
        }
      }
      if (failure) throw failure.error;
    });
  }
  stack.push(undo);
}
