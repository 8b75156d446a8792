import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFunctionData, zeroAddress } from 'viem';
import { DVN, EndpointV2, SendUln302, ReceiveUln302 } from '#app/contracts';
import { createChainPublicClient, createChainWalletClient } from '#app/chains';
import { devnetAccount, isAlive, readManifest, startDevnet, type Devnet } from '#app/devnet';

describe('Devnet.deploy', () => {
  let dir: string;
  let devnet: Devnet;
  const manifestPath = () => join(dir, 'manifest.json');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'segment-devnet-'));
    devnet = await startDevnet({ chains: 3, manifestPath: manifestPath() });
  });
  afterAll(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts three anvil processes, each with its own chain id and eid', async () => {
    const { chains } = devnet.manifest;
    expect(chains.map((c) => [c.name, c.eid, c.chainId])).toEqual([
      ['hub', 40101, 31401],
      ['spoke-1', 40102, 31402],
      ['spoke-2', 40103, 31403],
    ]);
    expect(new Set(chains.map((c) => c.pid)).size).toBe(3);
    for (const chain of devnet.registry.chains) {
      expect(await createChainPublicClient(chain).getChainId()).toBe(chain.chainId);
    }
  });

  it('writes a manifest with every address, each holding code', async () => {
    const manifest = readManifest(manifestPath());
    expect(manifest?.chains).toHaveLength(3);
    for (const chain of manifest?.chains ?? []) {
      const client = createChainPublicClient(devnet.registry.byEidOrThrow(chain.eid));
      for (const [name, address] of Object.entries(chain.layerZero)) {
        const code = await client.getCode({ address });
        expect({ name, hasCode: (code?.length ?? 0) > 2 }).toEqual({ name, hasCode: true });
      }
    }
  });

  it('wires every pathway: default libraries, our DVN as the required DVN, our executor, a non-zero fee', async () => {
    for (const local of devnet.manifest.chains) {
      const client = createChainPublicClient(devnet.registry.byEidOrThrow(local.eid));
      const lz = local.layerZero;
      for (const remote of devnet.manifest.chains.filter((c) => c.eid !== local.eid)) {
        const [sendLib, recvLib, sendCfg, recvCfg, execCfg] = await Promise.all([
          client.readContract({
            address: lz.endpoint,
            abi: EndpointV2.abi,
            functionName: 'defaultSendLibrary',
            args: [remote.eid],
          }),
          client.readContract({
            address: lz.endpoint,
            abi: EndpointV2.abi,
            functionName: 'defaultReceiveLibrary',
            args: [remote.eid],
          }),
          client.readContract({
            address: lz.sendUln302,
            abi: SendUln302.abi,
            functionName: 'getUlnConfig',
            args: [zeroAddress, remote.eid],
          }),
          client.readContract({
            address: lz.receiveUln302,
            abi: ReceiveUln302.abi,
            functionName: 'getUlnConfig',
            args: [zeroAddress, remote.eid],
          }),
          client.readContract({
            address: lz.sendUln302,
            abi: SendUln302.abi,
            functionName: 'getExecutorConfig',
            args: [zeroAddress, remote.eid],
          }),
        ]);
        expect(sendLib).toBe(lz.sendUln302);
        expect(recvLib).toBe(lz.receiveUln302);
        expect(sendCfg.requiredDVNs).toEqual([lz.dvn]);
        expect(recvCfg.requiredDVNs).toEqual([lz.dvn]);
        expect(execCfg.executor).toBe(lz.executor);
        const fee = await client.readContract({
          address: lz.endpoint,
          abi: EndpointV2.abi,
          functionName: 'quote',
          args: [
            {
              dstEid: remote.eid,
              receiver: `0x${'11'.repeat(32)}`,
              message: '0x1234',
              options: '0x00030100110100000000000000000000000000030d40',
              payInLzToken: false,
            },
            devnetAccount('deployer').address,
          ],
        });
        expect(fee.nativeFee).toBeGreaterThan(0n);
      }
    }
  });

  it('sends nothing when run again against the running chains', async () => {
    const again = await startDevnet({ chains: 3, manifestPath: manifestPath() });
    expect(again.anvils).toHaveLength(0);
    expect(again.plans.map((p) => p.steps.length)).toEqual([0, 0, 0]);
    expect(again.manifest.chains.map((c) => c.layerZero)).toEqual(devnet.manifest.chains.map((c) => c.layerZero));
  });

  it('re-sends exactly the setting that drifted', async () => {
    const spoke = devnet.registry.byName('spoke-1');
    const lz = devnet.manifest.chains[1]?.layerZero;
    if (!lz) throw new Error('spoke-1 missing from the manifest');
    const wallet = createChainWalletClient(spoke, devnetAccount('deployer'));
    const client = createChainPublicClient(spoke);
    const hash = await wallet.sendTransaction({
      to: lz.dvn,
      data: encodeFunctionData({
        abi: DVN.abi,
        functionName: 'setDstConfig',
        args: [[{ dstEid: 40101, gas: 1n, multiplierBps: 1, floorMarginUSD: 0n }]],
      }),
    });
    await client.waitForTransactionReceipt({ hash });
    const repaired = await startDevnet({ chains: 3, manifestPath: manifestPath() });
    expect(repaired.plans.find((p) => p.chain === 'spoke-1')?.steps.map((s) => s.label)).toEqual([
      'DVN.setDstConfig([40101, 40103])',
    ]);
    expect(repaired.plans.filter((p) => p.chain !== 'spoke-1').map((p) => p.steps.length)).toEqual([0, 0]);
    const [gas] = await client.readContract({
      address: lz.dvn,
      abi: DVN.abi,
      functionName: 'dstConfig',
      args: [40101],
    });
    expect(gas).toBe(200_000n);
  });

  it('refuses a chain count it cannot build', async () => {
    await expect(startDevnet({ chains: 1, manifestPath: join(dir, 'other.json') })).rejects.toThrow(/2 to 16 chains/);
  });
});

describe('Devnet.stop', () => {
  it('stops every anvil it started and removes its manifest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segment-devnet-stop-'));
    const manifestPath = join(dir, 'manifest.json');
    const devnet = await startDevnet({ chains: 2, manifestPath });
    const pids = devnet.anvils.map((a) => a.pid);
    expect(pids.every(isAlive)).toBe(true);
    await devnet.stop();
    expect(pids.some(isAlive)).toBe(false);
    expect(existsSync(manifestPath)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});
