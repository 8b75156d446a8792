import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { keccak256, parseEventLogs, toHex, type Address, type Hex } from 'viem';
import {
  BatchExecutor,
  describeRevertData,
  DVN,
  EndpointV2,
  ReceiveUln302,
  SendUln302,
  SmokeOApp,
} from '#app/contracts';
import { devnetAccount, ManualRelay, startDevnet, type Devnet, type SentPacket } from '#app/devnet';

const HUB = 40101;
const SPOKE = 40102;

enum Outcome {
  Delivered = 0,
  AlreadyDelivered = 1,
  CommitFailed = 2,
  ReceiveFailed = 3,
}

describe('LayerZero workers on the devnet', () => {
  let devnet: Devnet;
  let relay: ManualRelay;
  let apps: Map<number, Address>;
  const app = (eid: number) => apps.get(eid) as Address; // deployed in beforeAll for every eid
  const send = (text: string, gas?: bigint): Promise<SentPacket> => relay.send(HUB, app(HUB), SPOKE, toHex(text), gas);
  const dvnVerified = async (p: SentPacket) => {
    const lz = relay.lz(SPOKE);
    const [submitted] = await relay.client(SPOKE).readContract({
      address: lz.receiveUln302,
      abi: ReceiveUln302.abi,
      functionName: 'hashLookup',
      args: [keccak256(p.packet.header), p.packet.payloadHash, lz.dvn],
    });
    return submitted;
  };
  const receivedMessage = async (guid: Hex) =>
    (
      await relay
        .client(SPOKE)
        .readContract({ address: app(SPOKE), abi: SmokeOApp.abi, functionName: 'received', args: [guid] })
    )[3];

  beforeAll(async () => {
    devnet = await startDevnet({ chains: 2, writeManifest: false, reuse: false });
    relay = new ManualRelay(devnet);
  });
  // A fresh pair of OApps per test: a packet left unverified on purpose blocks later nonces of
  // its pathway (LayerZero executes nonce n only once 1..n are committed).
  beforeEach(async () => {
    apps = await relay.deploySmokeOApps();
  });
  afterAll(async () => {
    await devnet?.stop();
  });

  describe('DVN.authorisation', () => {
    it('refuses DVN.execute from a key without the admin role', async () => {
      const sent = await send('from a stranger');
      await expect(relay.verify(SPOKE, [sent.packet], { sender: 'governor1' })).rejects.toThrow(
        /AccessControl: account .* is missing role/,
      );
      expect(await dvnVerified(sent)).toBe(false);
    });
  });

  describe('DVN.quorum', () => {
    it('does not verify with one signature of a 2-of-3 quorum, and the commit then fails', async () => {
      const sent = await send('one signature');
      const receipt = await relay.verify(SPOKE, [sent.packet], { signers: ['dvnSigner1'] });
      const failed = parseEventLogs({ abi: DVN.abi, eventName: 'VerifySignaturesFailed', logs: receipt.logs });
      expect(failed.map((e) => e.args.idx)).toEqual([0n]);
      expect(await dvnVerified(sent)).toBe(false);
      const [outcome] = await relay.deliver(SPOKE, [sent]);
      expect(outcome?.outcome).toBe(Outcome.CommitFailed);
      expect(describeRevertData(outcome?.reason)).toMatch(/LZ_ULN_Verifying/);
      expect(await receivedMessage(sent.packet.guid)).toBe('0x');
    });

    it('does not count a signature from a key outside the signer set', async () => {
      const sent = await send('outsider');
      const receipt = await relay.verify(SPOKE, [sent.packet], { signers: ['dvnSigner1', 'governor1'] });
      expect(parseEventLogs({ abi: DVN.abi, eventName: 'VerifySignaturesFailed', logs: receipt.logs })).toHaveLength(1);
      expect(await dvnVerified(sent)).toBe(false);
    });

    it('skips an expired instruction even when the quorum signed it', async () => {
      const sent = await send('expired');
      const now = (await relay.client(SPOKE).getBlock()).timestamp;
      await relay.verify(SPOKE, [sent.packet], { expiration: now - 1n });
      expect(await dvnVerified(sent)).toBe(false);
    });

    it('verifies with any two of the three signers', async () => {
      const sent = await send('two of three');
      await relay.verify(SPOKE, [sent.packet], { signers: ['dvnSigner3', 'dvnSigner1'] });
      expect(await dvnVerified(sent)).toBe(true);
    });
  });

  describe('Fees', () => {
    it('charges the quoted fee on send and credits it to our DVN and executor in the send library', async () => {
      const lz = relay.lz(HUB);
      const feesOf = (worker: Address) =>
        relay
          .client(HUB)
          .readContract({ address: lz.sendUln302, abi: SendUln302.abi, functionName: 'fees', args: [worker] });
      const [dvnBefore, execBefore] = await Promise.all([feesOf(lz.dvn), feesOf(lz.executor)]);
      const sent = await send('fees');
      const [dvnAfter, execAfter] = await Promise.all([feesOf(lz.dvn), feesOf(lz.executor)]);
      expect(sent.fee).toBeGreaterThan(0n);
      expect(dvnAfter - dvnBefore).toBeGreaterThan(0n);
      expect(execAfter - execBefore).toBeGreaterThan(0n);
      expect(dvnAfter - dvnBefore + (execAfter - execBefore)).toBe(sent.fee);
    });

    it('rejects a send that pays less than the quote', async () => {
      const options = '0x00030100110100000000000000000000000000030d40' as const;
      await expect(
        relay.confirm(
          HUB,
          relay.wallet(HUB).writeContract({
            address: app(HUB),
            abi: SmokeOApp.abi,
            functionName: 'send',
            args: [SPOKE, toHex('cheap'), options],
            value: 1n,
          }),
        ),
      ).rejects.toThrow(/LZ_InsufficientFee/);
    });
  });

  describe('BatchExecutor.deliver', () => {
    it('delivers the good packets of a batch and reports the reverting one without aborting', async () => {
      const good1 = await send('batch good 1');
      const bad = await send('revert');
      const good2 = await send('batch good 2');
      await relay.verify(SPOKE, [good1.packet, bad.packet, good2.packet]);
      const outcomes = await relay.deliver(SPOKE, [good1, bad, good2]);
      expect(outcomes.map((o) => o.outcome)).toEqual([Outcome.Delivered, Outcome.ReceiveFailed, Outcome.Delivered]);
      expect(describeRevertData(outcomes[1]?.reason)).toMatch(/SmokeRejected/);
      expect(await receivedMessage(good1.packet.guid)).toBe(toHex('batch good 1'));
      expect(await receivedMessage(good2.packet.guid)).toBe(toHex('batch good 2'));
      expect(await receivedMessage(bad.packet.guid)).toBe('0x');
    });

    it('raises an alert on the endpoint for the failed packet, keeps it retryable, and skips delivered ones', async () => {
      await relay.confirm(
        SPOKE,
        relay
          .wallet(SPOKE)
          .writeContract({ address: app(SPOKE), abi: SmokeOApp.abi, functionName: 'setRejectAll', args: [true] }),
      );
      const sent = await send('retry me');
      await relay.verify(SPOKE, [sent.packet]);
      const failed = await relay.deliver(SPOKE, [sent]);
      expect(failed[0]?.outcome).toBe(Outcome.ReceiveFailed);
      const alerts = await relay
        .client(SPOKE)
        .getContractEvents({ address: relay.lz(SPOKE).endpoint, abi: EndpointV2.abi, eventName: 'LzReceiveAlert' });
      expect(alerts.map((a) => a.args.guid)).toContain(sent.packet.guid);

      await relay.confirm(
        SPOKE,
        relay
          .wallet(SPOKE)
          .writeContract({ address: app(SPOKE), abi: SmokeOApp.abi, functionName: 'setRejectAll', args: [false] }),
      );
      const retried = await relay.deliver(SPOKE, [sent]);
      expect(retried[0]?.outcome).toBe(Outcome.Delivered);
      expect(await receivedMessage(sent.packet.guid)).toBe(toHex('retry me'));
      const again = await relay.deliver(SPOKE, [sent]);
      expect(again[0]?.outcome).toBe(Outcome.AlreadyDelivered);
    });

    it('refuses callers that are not operators, and only the owner names operators', async () => {
      const sent = await send('not an operator');
      await relay.verify(SPOKE, [sent.packet]);
      await expect(relay.deliver(SPOKE, [sent], 'governor1')).rejects.toThrow(/NotOperator/);
      const batch = relay.lz(SPOKE).batchExecutor;
      await expect(
        relay.confirm(
          SPOKE,
          relay.wallet(SPOKE, 'governor1').writeContract({
            address: batch,
            abi: BatchExecutor.abi,
            functionName: 'setOperator',
            args: [devnetAccount('governor1').address, true],
          }),
        ),
      ).rejects.toThrow(/OwnableUnauthorizedAccount/);
      expect(
        await relay.client(SPOKE).readContract({
          address: batch,
          abi: BatchExecutor.abi,
          functionName: 'isOperator',
          args: [devnetAccount('governor1').address],
        }),
      ).toBe(false);
    });
  });
});
