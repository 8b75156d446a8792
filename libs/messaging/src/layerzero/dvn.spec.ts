import { describe, expect, it } from '@jest/globals';
import { keccak256, recoverMessageAddress, slice, toHex, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { dvnCallDataHash, dvnSigner, signVerify } from './dvn.js';

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe('dvnSigner', () => {
  it('signs exactly the bytes viem signs, for many keys and hashes', async () => {
    for (let i = 0; i < 40; i++) {
      const key = generatePrivateKey();
      const hash = keccak256(toHex(`packet ${i}`));
      const signer = dvnSigner(key);
      const account = privateKeyToAccount(key);
      expect(signer.address).toBe(account.address);
      expect(signer.signHash(hash)).toBe(await account.signMessage({ message: { raw: hash } }));
    }
  });

  it('refuses a key that is not a secp256k1 private key', () => {
    const bad: Hex[] = [toHex(0n, { size: 32 }), toHex(SECP256K1_N, { size: 32 }), '0x1234'];
    for (const key of bad) expect(() => dvnSigner(key)).toThrow('valid 32-byte secp256k1 private key');
  });
});

describe('signVerify', () => {
  it('orders the signatures by signer address, each recovering to its signer', async () => {
    const signers = Array.from({ length: 3 }, () => dvnSigner(generatePrivateKey()));
    const request = {
      vid: 30101,
      receiveLibrary: '0x000000000000000000000000000000000000dEaD',
      header: toHex('header', { size: 81 }),
      payloadHash: keccak256('0x01'),
      confirmations: 2n,
      expiration: 1_900_000_000n,
    } as const;
    const param = signVerify(request, signers);
    const hash = dvnCallDataHash(request.vid, request.receiveLibrary, param.callData, request.expiration);
    const recovered = await Promise.all(
      [0, 1, 2].map((i) =>
        recoverMessageAddress({ message: { raw: hash }, signature: slice(param.signatures, i * 65, (i + 1) * 65) }),
      ),
    );
    const ascending = signers.map((s) => s.address).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    expect(recovered).toEqual(ascending);
  });
});
