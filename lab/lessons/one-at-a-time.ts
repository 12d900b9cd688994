// A lesson view's actions run one at a time: two presses of a button (or two pages) must not
// interleave a login with a logout, or a backup with a restore. The second gets 409 LAB_BUSY.
import { AppError } from '../../src/errors/app-error';

/**
 * Returns a guard for one lesson's actions. `busyMessage` says, in the lesson's words, why the
 * caller must wait (given the action refused, when the caller names it); `alsoBusy` covers work
 * that outlives its request, such as lesson 14's failover run.
 */
export function oneAtATime(busyMessage: (refused?: string) => string, alsoBusy: () => boolean = () => false) {
  let running = false;
  return async function exclusive<T>(work: () => Promise<T>, refused?: string): Promise<T> {
    if (running || alsoBusy()) throw new AppError('LAB_BUSY', busyMessage(refused));
    running = true;
    try {
      return await work();
    } finally {
      running = false;
    }
  };
}
