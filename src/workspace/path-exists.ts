import { stat } from 'node:fs/promises';

/** True when something (file, directory, …) exists at `path`; never throws. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
