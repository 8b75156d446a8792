import { encodeDeployData, parseEventLogs, toHex, type Address, type Hex, type PublicClient } from 'viem';
import { BatchExecutor, DVN, EndpointV2, SmokeOApp } from '#app/contracts';
import { createChainPublicClient, createChainWalletClient, type ChainConfig } from '#app/chains';
import {
  addressToBytes32,
  decodePacket,
  deliveryBatchGas,
  dvnSigner,
  lzReceiveOptions,
  signVerify,
  toDelivery,
  type LzPacket,
} from '#app/messaging';
import { devnetAccount, devnetPrivateKey, DVN_SIGNER_ROLES, DEVNET_DVN_QUORUM, type DevnetRole } from './accounts.js';
import type { Devnet } from './devnet.js';
import { describeRevert } from './send.js';

/**
 * Drives packets through the real LayerZero v2 path by hand — send, DVN verify (quorum-signed),
 * commit, execute — with plain viem calls. Used by `npm run devnet:smoke` and by the worker
 * tests; the relayer automates the same steps.
 */
export class ManualRelay {
  private readonly clients = new Map<number, PublicClient>();

  constructor(readonly devnet: Devnet) {}

  chain(eid: number): ChainConfig {
    return this.devnet.registry.byEidOrThrow(eid);
  }

  client(eid: number): PublicClient {
    let client = this.clients.get(eid);
    if (!client) {
      client = createChainPublicClient(this.chain(eid));
      this.clients.set(eid, client);
    }
    return client;
  }

  wallet(eid: number, role: DevnetRole = 'deployer') {
    return createChainWalletClient(this.chain(eid), devnetAccount(role));
  }

  lz(eid: number) {
    const chain = this.devnet.manifest.chains.find((c) => c.eid === eid);
    if (!chain) throw new Error(`no chain with eid ${eid}`);
    return chain.layerZero;
  }

  /** Waits for a sent transaction and fails on a revert. */
  async confirm(eid: number, sent: Promise<Hex>) {
    let hash: Hex;
    try {
      hash = await sent;
    } catch (error) {
      throw new Error(`eid ${eid}: ${describeRevert(error)}`, { cause: error });
    }
    const client = this.client(eid);
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== 'success') {
      // Replay against the parent block (anvil mines one transaction per block) to name the error.
      const tx = await client.getTransaction({ hash });
      const reason = await client
        .call({
          account: tx.from,
          to: tx.to,
          data: tx.input,
          value: tx.value,
          gas: tx.gas,
          blockNumber: receipt.blockNumber - 1n,
        })
        .then(
          () => 'no error on replay',
          (error: unknown) => describeRevert(error),
        );
      throw new Error(`eid ${eid}: transaction ${hash} reverted: ${reason}`);
    }
    return receipt;
  }

  /** Deploys a SmokeOApp on every chain and peers each spoke with the hub (both ways). */
  async deploySmokeOApps(): Promise<Map<number, Address>> {
    const apps = new Map<number, Address>();
    for (const chain of this.devnet.manifest.chains) {
      const wallet = this.wallet(chain.eid);
      const hash = await wallet.sendTransaction({
        data: encodeDeployData({ ...SmokeOApp, args: [chain.layerZero.endpoint, wallet.account.address] }),
      });
      const receipt = await this.client(chain.eid).waitForTransactionReceipt({ hash, pollingInterval: 50 });
      if (!receipt.contractAddress) throw new Error(`SmokeOApp deployment failed on ${chain.name}`);
      apps.set(chain.eid, receipt.contractAddress);
    }
    const hub = this.devnet.manifest.chains[0];
    if (!hub) throw new Error('devnet has no chains');
    for (const spoke of this.devnet.manifest.chains.slice(1)) {
      await this.setPeer(hub.eid, apps, spoke.eid);
      await this.setPeer(spoke.eid, apps, hub.eid);
    }
    return apps;
  }

  private async setPeer(localEid: number, apps: Map<number, Address>, remoteEid: number): Promise<void> {
    const local = apps.get(localEid) as Address; // deployed above for every eid
    const remote = apps.get(remoteEid) as Address;
    await this.confirm(
      localEid,
      this.wallet(localEid).writeContract({
        address: local,
        abi: SmokeOApp.abi,
        functionName: 'setPeer',
        args: [remoteEid, addressToBytes32(remote)],
      }),
    );
  }

  /** Sends `message` from the OApp on `srcEid`, paying the fee quoted by the real ULN path. */
  async send(srcEid: number, app: Address, dstEid: number, message: Hex, gas = 200_000n): Promise<SentPacket> {
    const options = lzReceiveOptions(gas);
    const fee = await this.client(srcEid).readContract({
      address: app,
      abi: SmokeOApp.abi,
      functionName: 'quote',
      args: [dstEid, message, options],
    });
    const receipt = await this.confirm(
      srcEid,
      this.wallet(srcEid).writeContract({
        address: app,
        abi: SmokeOApp.abi,
        functionName: 'send',
        args: [dstEid, message, options],
        value: fee.nativeFee,
      }),
    );
    const [sent] = parseEventLogs({ abi: EndpointV2.abi, eventName: 'PacketSent', logs: receipt.logs });
    if (!sent) throw new Error('no PacketSent in the send receipt');
    return {
      packet: decodePacket(sent.args.encodedPayload),
      options: sent.args.options,
      fee: fee.nativeFee,
      blockNumber: receipt.blockNumber,
    };
  }

  /**
   * Submits a signed `verify` for each packet through the destination DVN in one `DVN.execute`.
   * By default the quorum of devnet signers signs and the relayer key (a DVN admin) submits.
   */
  async verify(dstEid: number, packets: readonly LzPacket[], opts: VerifyOptions = {}) {
    const lz = this.lz(dstEid);
    const client = this.client(dstEid);
    const vid = await client.readContract({ address: lz.dvn, abi: DVN.abi, functionName: 'vid' });
    const expiration = opts.expiration ?? (await client.getBlock()).timestamp + 3_600n;
    const signers = (opts.signers ?? DVN_SIGNER_ROLES.slice(0, DEVNET_DVN_QUORUM)).map((r) =>
      dvnSigner(devnetPrivateKey(r)),
    );
    const params = packets.map((p) =>
      signVerify(
        {
          vid,
          receiveLibrary: lz.receiveUln302,
          header: p.header,
          payloadHash: p.payloadHash,
          confirmations: BigInt(this.chain(p.srcEid).confirmations),
          expiration,
        },
        signers,
      ),
    );
    const wallet = this.wallet(dstEid, opts.sender ?? 'relayer');
    return this.confirm(
      dstEid,
      wallet.writeContract({ address: lz.dvn, abi: DVN.abi, functionName: 'execute', args: [params] }),
    );
  }

  private readonly relayedUpTo = new Map<number, bigint>();

  /**
   * Verifies and delivers every packet sent from `srcEid` since the last call (or since genesis),
   * grouped by destination. Returns each packet's outcome; a receiver that reverts is reported,
   * not thrown, so callers can assert on it.
   */
  async relayPending(srcEid: number): Promise<RelayedPacket[]> {
    const client = this.client(srcEid);
    const head = await client.getBlockNumber();
    const from = (this.relayedUpTo.get(srcEid) ?? -1n) + 1n;
    if (from > head) return [];
    const logs = await client.getContractEvents({
      address: this.lz(srcEid).endpoint,
      abi: EndpointV2.abi,
      eventName: 'PacketSent',
      fromBlock: from,
      toBlock: head,
    });
    this.relayedUpTo.set(srcEid, head);
    const byDst = new Map<number, Pick<SentPacket, 'packet' | 'options'>[]>();
    for (const log of logs) {
      const packet = decodePacket(log.args.encodedPayload as Hex); // PacketSent always carries it
      const list = byDst.get(packet.dstEid) ?? [];
      list.push({ packet, options: log.args.options as Hex });
      byDst.set(packet.dstEid, list);
    }
    const relayed: RelayedPacket[] = [];
    for (const [dstEid, sent] of byDst) {
      await this.verify(
        dstEid,
        sent.map((s) => s.packet),
      );
      const outcomes = await this.deliver(dstEid, sent);
      sent.forEach((s, i) => {
        const o = outcomes[i];
        relayed.push({
          dstEid,
          packet: s.packet,
          outcome: Number(o?.outcome ?? 255),
          reason: o?.reason ?? '0x',
        });
      });
    }
    return relayed;
  }

  /** Commits and executes packets through our BatchExecutor; returns each packet's outcome. */
  async deliver(dstEid: number, sent: readonly Pick<SentPacket, 'packet' | 'options'>[], role: DevnetRole = 'relayer') {
    const lz = this.lz(dstEid);
    const deliveries = sent.map(({ packet, options }) => toDelivery(packet, options));
    const value = deliveries.reduce((sum, d) => sum + d.value, 0n);
    const receipt = await this.confirm(
      dstEid,
      this.wallet(dstEid, role).writeContract({
        address: lz.batchExecutor,
        abi: BatchExecutor.abi,
        functionName: 'deliver',
        args: [deliveries],
        value,
        gas: deliveryBatchGas(deliveries),
      }),
    );
    return parseEventLogs({ abi: BatchExecutor.abi, eventName: 'PacketOutcome', logs: receipt.logs }).map(
      (l) => l.args,
    );
  }
}

export interface RelayedPacket {
  dstEid: number;
  packet: LzPacket;
  /** BatchExecutor outcome: 0 delivered, 1 already delivered, 2 commit failed, 3 receive failed. */
  outcome: number;
  reason: Hex;
}

export interface VerifyOptions {
  /** Who signs (default: the first `quorum` devnet DVN signers). */
  signers?: readonly DevnetRole[];
  /** Who submits `DVN.execute` (default: the relayer, a DVN admin). */
  sender?: DevnetRole;
  /** Unix seconds (default: an hour after the destination's latest block). */
  expiration?: bigint;
}

export interface SentPacket {
  packet: LzPacket;
  /** The executor options the packet was sent with (its lzReceive gas and value). */
  options: Hex;
  fee: bigint;
  blockNumber: bigint;
}

export interface SmokeResult {
  delivered: number;
  expected: number;
  lines: string[];
}

/** Hub → each spoke and each spoke → hub, one message each, checked byte for byte on the receiver. */
export async function runSmoke(devnet: Devnet, log: (line: string) => void = () => undefined): Promise<SmokeResult> {
  const relay = new ManualRelay(devnet);
  const apps = await relay.deploySmokeOApps();
  const [hub, ...spokes] = devnet.manifest.chains;
  if (!hub || spokes.length === 0) throw new Error('the smoke path needs a hub and at least one spoke');
  const routes = spokes.flatMap((s) => [
    { src: hub, dst: s },
    { src: s, dst: hub },
  ]);
  const lines: string[] = [];
  let delivered = 0;
  for (const { src, dst } of routes) {
    const message = toHex(`smoke ${src.name} -> ${dst.name} @ ${Date.now()}`);
    const sent = await relay.send(src.eid, apps.get(src.eid) as Address, dst.eid, message); // every eid has an app
    const { packet, fee } = sent;
    await relay.verify(dst.eid, [packet]);
    const [outcome] = await relay.deliver(dst.eid, [sent]);
    const [srcEid, , nonce, got] = await relay.client(dst.eid).readContract({
      address: apps.get(dst.eid) as Address, // every eid has an app
      abi: SmokeOApp.abi,
      functionName: 'received',
      args: [packet.guid],
    });
    const ok = outcome?.outcome === 0 && got === message && srcEid === src.eid && nonce === packet.nonce;
    if (ok) delivered += 1;
    const line = `${ok ? 'ok  ' : 'FAIL'} ${src.name} (${src.eid}) -> ${dst.name} (${dst.eid}) nonce ${packet.nonce} guid ${packet.guid.slice(0, 10)}… fee ${fee} wei`;
    lines.push(line);
    log(line);
  }
  return { delivered, expected: routes.length, lines };
}
