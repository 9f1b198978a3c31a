import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, KchError } from '../errors/kch-error.js';

/**
 * Creates `dir` if needed and proves it writable, so that a service fails at start with one
 * line naming the folder and the flag, not later deep inside a JVM or the engine.
 */
export async function ensureWritableFolder(dir: string, what: string, flag: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const probe = join(dir, `.write-test-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new KchError(ErrorCodes.DATA_DIR, `cannot write the ${what} ${dir} (${code}); choose another with --${flag}`, { cause: error });
  }
}
