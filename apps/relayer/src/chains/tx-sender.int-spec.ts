import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { keccak256, parseGwei, toHex, type Address, type Hex } from 'viem';
import { createChainPublicClient, createChainWalletClient, type ChainConfig } from '#app/chains';
import { anvilRpc, devnetAccount, startAnvil, type AnvilInstance } from '#app/devnet';
import { openTestDatabase, TxAttemptRepository, type TestDatabase } from '#app/persistence';
import { waitFor } from '../../../../test/support/wait.js';
import { StuckTransactionError, TxSender } from './tx-sender.js';

const RECIPIENT: Address = '0x000000000000000000000000000000000000bEEF';

describe('TxSender.replacement', () => {
  let anvil: AnvilInstance;
  let db: TestDatabase;
  let chain: ChainConfig;
  let miner: NodeJS.Timeout | undefined;
  const rpc = (method: string, params: unknown[] = []) => anvilRpc(anvil.rpcUrl, method, params);
  /** Mines a block every 100 ms with the base fee pinned at `baseFee`: a gas price spike. */
  const spike = (baseFee: bigint) => {
    miner = setInterval(() => {
      void rpc('anvil_setNextBlockBaseFeePerGas', [`0x${baseFee.toString(16)}`]).then(() => rpc('evm_mine'));
    }, 100);
  };

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: 31999 });
    chain = { name: 'solo', chainId: 31999, eid: 40999, rpcUrls: [anvil.rpcUrl], confirmations: 1, contracts: {} };
    db = await openTestDatabase({ kind: 'pglite' });
  });
  afterEach(async () => {
    if (miner) clearInterval(miner);
    miner = undefined;
    await rpc('evm_setAutomine', [true]);
  });
  afterAll(async () => {
    await db?.dispose();
    await anvil?.stop();
  });

  const sender = (options: { maxFeeCapWei: bigint }) =>
    new TxSender(createChainPublicClient(chain), createChainWalletClient(chain, devnetAccount('relayer')), {
      eid: chain.eid,
      replaceAfterBlocks: 2,
      bumpPercent: 50,
      maxFeeCapWei: options.maxFeeCapWei,
      receiptTimeoutMs: 30_000,
      attempts: new TxAttemptRepository(db.dataSource),
    });

  it('replaces a transaction priced out by a fee spike at the same nonce until it is mined, and records every attempt', async () => {
    const attempts = new TxAttemptRepository(db.dataSource);
    const client = createChainPublicClient(chain);
    const nonce = await client.getTransactionCount({ address: devnetAccount('relayer').address });
    await rpc('evm_setAutomine', [false]);
    const sending = sender({ maxFeeCapWei: parseGwei('500') }).send({
      to: RECIPIENT,
      data: '0x',
      value: 1n,
      gas: 21_000n,
      label: 'spike',
    });
    // the spike starts once the first attempt sits in the mempool at the old price
    await waitFor(
      'the first attempt pending',
      async () =>
        (await client.getTransactionCount({ address: devnetAccount('relayer').address, blockTag: 'pending' })) > nonce,
    );
    spike(parseGwei('30'));
    const receipt = await sending;
    expect(receipt.status).toBe('success');
    expect(receipt.effectiveGasPrice).toBeGreaterThanOrEqual(parseGwei('30'));

    const rows = await attempts.forNonce(chain.eid, devnetAccount('relayer').address, nonce);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.filter((r) => r.status === 'mined').map((r) => r.hash)).toEqual([receipt.transactionHash]);
    expect(rows.filter((r) => r.status !== 'mined').every((r) => r.status === 'replaced')).toBe(true);
    const fees = rows.map((r) => r.maxFeePerGas);
    expect(fees).toEqual([...fees].sort((a, b) => (a < b ? -1 : 1)));
    expect(await client.getTransactionCount({ address: devnetAccount('relayer').address })).toBe(nonce + 1);
  });

  it('gives up with a clear error instead of paying past the fee cap', async () => {
    await rpc('evm_setAutomine', [false]);
    spike(parseGwei('200'));
    const send = sender({ maxFeeCapWei: parseGwei('20') }).send({
      to: RECIPIENT,
      data: '0x',
      value: 1n,
      gas: 21_000n,
      label: 'capped',
    });
    await expect(send).rejects.toThrow(StuckTransactionError);
    await expect(send).rejects.toThrow(
      /capped \(nonce \d+\) is not mined at \d+ wei\/gas and the next bump would pass the cap of 20000000000/,
    );
  });

  it('starts again from the chain nonce when the chain lost transactions of ours (rolled back)', async () => {
    const client = createChainPublicClient(chain);
    const relayer = devnetAccount('relayer').address;
    const tx = { to: RECIPIENT, data: '0x' as const, value: 1n, gas: 21_000n };
    const s = sender({ maxFeeCapWei: parseGwei('500') });
    await rpc('anvil_dropAllTransactions'); // what the fee-cap test left in the pool
    const lost = await client.getTransactionCount({ address: relayer });
    const snapshot = await rpc('evm_snapshot');
    expect((await s.send({ ...tx, label: 'before the rollback' })).status).toBe('success');
    await rpc('evm_revert', [snapshot]); // the chain forgets it; the sender still counts it
    expect(await client.getTransactionCount({ address: relayer })).toBe(lost);
    await rpc('evm_setAutomine', [false]);
    miner = setInterval(() => void rpc('evm_mine'), 100);
    const stranded = s.send({ ...tx, label: 'after the rollback' });
    await expect(stranded).rejects.toThrow(
      `nonce ${lost + 1} of ${relayer} is ahead of the chain (its next nonce is ${lost})`,
    );
    const retried = await s.send({ ...tx, label: 'retried' });
    expect(retried.status).toBe('success');
    expect((await client.getTransaction({ hash: retried.transactionHash })).nonce).toBe(lost); // the hole filled
    // the stranded transaction is still signed and pooled, and mines behind it: the relayer's
    // transactions are idempotent on chain (an executed packet is skipped), so that costs gas only
    await waitFor(
      'the stranded one mined behind',
      async () => (await client.getTransactionCount({ address: relayer })) === lost + 2,
    );
  });

  it('settles the attempts a dead process left pending once the chain has used their nonces', async () => {
    const attempts = new TxAttemptRepository(db.dataSource);
    const client = createChainPublicClient(chain);
    const account = devnetAccount('relayer');
    const wallet = createChainWalletClient(chain, account);
    const leftBehind = async (hash: Hex, nonce: number) =>
      attempts.record({
        hash,
        eid: chain.eid,
        sender: account.address,
        nonce,
        label: 'left behind',
        maxFeePerGas: 1n,
        maxPriorityFeePerGas: 1n,
      });
    // a process broadcast two attempts at one nonce, one got mined, and it died before recording that
    const nonce = await client.getTransactionCount({ address: account.address, blockTag: 'pending' });
    const mined = await wallet.sendTransaction({ to: RECIPIENT, value: 1n, nonce });
    await client.waitForTransactionReceipt({ hash: mined });
    const outbid = keccak256(toHex('an attempt that never made it'));
    await leftBehind(mined, nonce);
    await leftBehind(outbid, nonce);
    // and the next nonce went to a transaction it has no record of
    const unrecorded = await wallet.sendTransaction({ to: RECIPIENT, value: 1n, nonce: nonce + 1 });
    await client.waitForTransactionReceipt({ hash: unrecorded });
    const ghost = keccak256(toHex('an attempt whose nonce someone else took'));
    await leftBehind(ghost, nonce + 1);

    const receipt = await sender({ maxFeeCapWei: parseGwei('500') }).send({
      to: RECIPIENT,
      data: '0x',
      value: 1n,
      gas: 21_000n,
      label: 'the next sender',
    });
    expect(receipt.status).toBe('success');
    const statuses = async (n: number) =>
      (await attempts.forNonce(chain.eid, account.address, n)).map((a) => [a.hash, a.status, a.minedBlock !== null]);
    expect(await statuses(nonce)).toEqual(
      expect.arrayContaining([
        [mined, 'mined', true],
        [outbid, 'replaced', false],
      ]),
    );
    expect(await statuses(nonce + 1)).toEqual([[ghost, 'failed', false]]);
    expect(await statuses(nonce + 2)).toEqual([[receipt.transactionHash, 'mined', true]]);
  });
});
