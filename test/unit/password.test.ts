import { hashPassword, verifyPassword } from '../../src/features/auth/password';

describe('scrypt password hashes', () => {
  it('when a password is hashed twice, then the salts differ and both verify', async () => {
    const [a, b] = [await hashPassword('statelab-ada'), await hashPassword('statelab-ada')];
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('statelab-ada', a)).toBe(true);
    expect(await verifyPassword('statelab-ada', b)).toBe(true);
  });

  it('when the password is wrong, the hash is mangled or absent, then it does not verify', async () => {
    const stored = await hashPassword('statelab-ada');
    expect(await verifyPassword('statelab-alan', stored)).toBe(false);
    expect(await verifyPassword('statelab-ada', stored.replace(/\$[^$]+$/, '$short'))).toBe(false);
    expect(await verifyPassword('statelab-ada', 'md5$abc')).toBe(false);
    expect(await verifyPassword('statelab-ada', null)).toBe(false);
  });
});
