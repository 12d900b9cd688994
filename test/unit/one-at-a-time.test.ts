import { oneAtATime } from '../../lab/lessons/one-at-a-time';

describe('a lesson view runs its actions one at a time', () => {
  test('when a second action comes while one runs, then it is refused with 409 LAB_BUSY in the lesson\'s words, and the next one after it runs', async () => {
    const exclusive = oneAtATime((what) => `busy (${what} must wait)`);
    let release!: () => void;
    const first = exclusive(() => new Promise<string>((resolve) => (release = () => resolve('first'))));
    await expect(exclusive(async () => 'second', 'counting')).rejects.toMatchObject({ code: 'LAB_BUSY', status: 409, message: 'busy (counting must wait)' });
    release();
    expect(await first).toBe('first');
    expect(await exclusive(async () => 'third')).toBe('third');
  });

  test('when the action fails, then the guard is free again; when other work is still running, then it refuses', async () => {
    let other = false;
    const exclusive = oneAtATime(() => 'busy', () => other);
    await expect(exclusive(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await exclusive(async () => 1)).toBe(1);
    other = true;
    await expect(exclusive(async () => 2)).rejects.toMatchObject({ code: 'LAB_BUSY' });
  });
});
