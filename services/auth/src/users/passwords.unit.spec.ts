import { Passwords } from './passwords';

describe('Passwords', () => {
  const passwords = new Passwords();

  it('hashes with argon2id at the OWASP baseline and verifies', async () => {
    const hashed = await passwords.hash('correct horse battery staple');
    expect(hashed).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await passwords.verify(hashed, 'correct horse battery staple')).toBe(true);
    expect(await passwords.verify(hashed, 'correct horse battery stapler')).toBe(false);
  });

  it('answers false for a missing hash after doing the same work', async () => {
    expect(await passwords.verify(undefined, 'anything at all here')).toBe(false);
  });
});
