import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { keccak256, parseTransaction, recoverTransactionAddress, type Hex, type TransactionSerializable } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { fastSigningAccount, keccak256Of } from './signing.js';

const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const toHexString = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString('hex')}`;

describe('keccak256Of', () => {
  it("is viem's keccak256, for bytes and for hex of any length", () => {
    fc.assert(
      fc.property(bytes(2_000), (b) => {
        expect(keccak256Of(b)).toBe(keccak256(b));
        expect(keccak256Of(toHexString(b))).toBe(keccak256(toHexString(b)));
      }),
    );
  });
});

describe('fastSigningAccount', () => {
  const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map(toHexString);
  // what every transaction carries, and the call data of a batch (up to 3 kB)
  const common = {
    chainId: fc.integer({ min: 1, max: 2 ** 31 }),
    nonce: fc.nat(),
    to: address,
    value: fc.bigInt({ min: 0n, max: 10n ** 24n }),
    data: bytes(3_000).map(toHexString),
    gas: fc.bigInt({ min: 21_000n, max: 30_000_000n }),
  };
  const transaction = fc.oneof(
    fc
      .record({
        ...common,
        type: fc.constant('eip1559' as const),
        maxPriorityFeePerGas: fc.bigInt({ min: 0n, max: 10n ** 9n }),
        feeAboveTip: fc.bigInt({ min: 1n, max: 10n ** 12n }),
      })
      .map(({ feeAboveTip, ...tx }) => ({ ...tx, maxFeePerGas: tx.maxPriorityFeePerGas + feeAboveTip })),
    fc.record({ ...common, type: fc.constant('legacy' as const), gasPrice: fc.bigInt({ min: 1n, max: 10n ** 12n }) }),
  );

  it('signs byte for byte the transactions viem signs, recoverable to its address', async () => {
    const key = generatePrivateKey();
    const fast = fastSigningAccount(key);
    const viem = privateKeyToAccount(key);
    expect(fast.address).toBe(viem.address);
    await fc.assert(
      fc.asyncProperty(transaction, async (tx: TransactionSerializable) => {
        const signed = await fast.signTransaction(tx);
        expect(signed).toBe(await viem.signTransaction(tx));
        expect(await recoverTransactionAddress({ serializedTransaction: signed as never })).toBe(viem.address);
        expect(parseTransaction(signed).nonce).toBe(tx.nonce);
      }),
      { numRuns: 60 },
    );
  });

  it('signs messages as viem does, and refuses a key that is not one', async () => {
    const key = generatePrivateKey();
    expect(await fastSigningAccount(key).signMessage({ message: 'segment' })).toBe(
      await privateKeyToAccount(key).signMessage({ message: 'segment' }),
    );
    expect(() => fastSigningAccount(`0x${'00'.repeat(32)}`)).toThrow(
      'a private key must be a valid 32-byte secp256k1 private key',
    );
  });
});
