import { ConfigError, loadConfig } from '../../src/config/config';
import { issueToken, signingKeys, verifyToken } from '../../src/features/auth/tokens';

const user = { id: 7, email: 'ada@statelab.test', name: 'Ada Lovelace' };

describe('login token keys', () => {
  it('when JWT_KEYS is unset, then one key derived from SESSION_SECRET signs, and another secret derives another key', async () => {
    const a = signingKeys(loadConfig({ SESSION_SECRET: 'a'.repeat(32) }));
    const b = signingKeys(loadConfig({ SESSION_SECRET: 'b'.repeat(32) }));
    expect(a.current.kid).toBe('derived-1');
    const { token, jti } = await issueToken(a, 60, user);
    expect(await verifyToken(a, token)).toMatchObject({ jti, sub: '7', email: user.email });
    await expect(verifyToken(b, token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('when JWT_KEYS lists two keys, then the first signs and both verify', () => {
    const keys = signingKeys(loadConfig({ JWT_KEYS: `new=${'n'.repeat(32)},old=${'o'.repeat(32)}` }));
    expect(keys.current.kid).toBe('new');
    expect([...keys.byKid.keys()]).toEqual(['new', 'old']);
  });

  it('when JWT_KEYS has a short secret or no kid, then the configuration is refused', () => {
    for (const bad of ['k1=short', `=${'x'.repeat(32)}`, `k1=${'x'.repeat(32)},`]) {
      expect(() => loadConfig({ JWT_KEYS: bad })).toThrow(ConfigError);
    }
  });
});
