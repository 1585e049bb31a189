import { createHash } from 'node:crypto';
import { Sha256, sha256Hex } from '../../shared/dataset/hash';

describe('sha256Hex', () => {
  it('matches the FIPS 180-4 test vectors', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('matches node:crypto at every padding boundary and when fed in pieces', () => {
    for (const n of [1, 55, 56, 57, 63, 64, 65, 119, 120, 1000, 70000]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 255);
      expect(sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    const bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 13) & 255);
    const h = new Sha256().update(bytes.subarray(0, 33)).update(bytes.subarray(33, 3000)).update(bytes.subarray(3000));
    expect(h.hex()).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(() => h.update('more')).toThrow(TypeError);
  });
});
