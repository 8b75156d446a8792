import {
  encodeDeployData,
  encodeFunctionData,
  isAddressEqual,
  zeroAddress,
  type Address,
  type PublicClient,
} from 'viem';
import {
  BatchExecutor,
  DVN,
  DVNFeeLib,
  EndpointV2,
  EndpointV2View,
  Executor,
  ExecutorFeeLib,
  PriceFeed,
  ReceiveUln302,
  ReceiveUln302View,
  SendUln302,
} from '#app/contracts';
import type { LayerZeroAddresses } from './manifest.js';
import { PlanBuilder } from './plan.js';

export interface LayerZeroChainSpec {
  eid: number;
  /** Confirmations the DVN waits for on packets sent from this chain. */
  confirmations: number;
}

export interface LayerZeroPlanInput {
  local: LayerZeroChainSpec;
  remotes: readonly LayerZeroChainSpec[];
  /** Owner of every contract; sends the plan. */
  deployer: Address;
  /** The relayer's sender key: DVN admin (to submit signed verifications) and batch-executor operator. */
  relayer: Address;
  dvnSigners: readonly Address[];
  dvnQuorum: number;
  /** Addresses recorded by an earlier run whose code is still on chain; everything else is deployed. */
  existing?: LayerZeroAddresses;
}

/** Tunables of the fee path. Same native token on every devnet chain, so price ratio 1:1. */
export const DEVNET_FEES = {
  nativeDecimalsRate: 10n ** 18n,
  priceRatio: 10n ** 20n, // PriceFeed's denominator is 1e20: equal native prices
  gasPriceInUnit: 1_000_000_000n,
  gasPerByte: 16,
  dvnVerifyGas: 200_000n,
  executorBaseGas: 100_000n,
  multiplierBps: 10_000,
  nativeCap: 10n ** 18n,
  maxMessageSize: 10_000,
} as const;

/**
 * Plans the LayerZero v2 stack on one chain: EndpointV2, SendUln302/ReceiveUln302 and their
 * views, PriceFeed, LayerZero's DVN and Executor with their fee libraries (all from the npm
 * artifacts), our BatchExecutor, and the default send/receive wiring for every remote eid.
 */
export async function planLayerZero(
  client: PublicClient,
  builder: PlanBuilder,
  input: LayerZeroPlanInput,
): Promise<LayerZeroAddresses> {
  const lz = input.existing ?? deployStack(builder, input);
  if (input.existing) await planInitChecks(client, builder, lz, input);
  await planWiring(client, builder, lz, input, !input.existing);
  return lz;
}

function deployStack(b: PlanBuilder, input: LayerZeroPlanInput): LayerZeroAddresses {
  const { eid } = input.local;
  const endpoint = b.deploy(
    'endpoint',
    `EndpointV2(${eid})`,
    encodeDeployData({ ...EndpointV2, args: [eid, input.deployer] }),
  );
  const sendUln302 = b.deploy(
    'sendUln302',
    'SendUln302',
    encodeDeployData({ ...SendUln302, args: [endpoint, 0n, 0n] }),
  );
  const receiveUln302 = b.deploy(
    'receiveUln302',
    'ReceiveUln302',
    encodeDeployData({ ...ReceiveUln302, args: [endpoint] }),
  );
  const priceFeed = b.deploy('priceFeed', 'PriceFeed', PriceFeed.bytecode);
  b.call(
    'PriceFeed.initialize',
    priceFeed,
    encodeFunctionData({ abi: PriceFeed.abi, functionName: 'initialize', args: [input.deployer] }),
  );
  const libs = [sendUln302, receiveUln302];
  const dvnArgs = [
    eid,
    eid % 30_000,
    libs,
    priceFeed,
    [...input.dvnSigners],
    BigInt(input.dvnQuorum),
    [input.deployer, input.relayer],
  ] as const;
  const dvn = b.deploy(
    'dvn',
    `DVN(quorum ${input.dvnQuorum}/${input.dvnSigners.length})`,
    encodeDeployData({ ...DVN, args: dvnArgs }),
  );
  const dvnFeeLib = b.deploy(
    'dvnFeeLib',
    'DVNFeeLib',
    encodeDeployData({ ...DVNFeeLib, args: [eid, DEVNET_FEES.nativeDecimalsRate] }),
  );
  const executor = b.deploy('executor', 'Executor', Executor.bytecode);
  b.call(
    'Executor.initialize',
    executor,
    encodeFunctionData({
      abi: Executor.abi,
      functionName: 'initialize',
      args: [endpoint, zeroAddress, libs, priceFeed, input.deployer, [input.deployer, input.relayer]],
    }),
  );
  const executorFeeLib = b.deploy(
    'executorFeeLib',
    'ExecutorFeeLib',
    encodeDeployData({ ...ExecutorFeeLib, args: [eid, DEVNET_FEES.nativeDecimalsRate] }),
  );
  const batchExecutor = b.deploy(
    'batchExecutor',
    'BatchExecutor',
    encodeDeployData({ ...BatchExecutor, args: [endpoint, receiveUln302, input.deployer] }),
  );
  const endpointView = b.deploy('endpointView', 'EndpointV2View', EndpointV2View.bytecode);
  b.call(
    'EndpointV2View.initialize',
    endpointView,
    encodeFunctionData({ abi: EndpointV2View.abi, functionName: 'initialize', args: [endpoint] }),
  );
  const receiveUln302View = b.deploy('receiveUln302View', 'ReceiveUln302View', ReceiveUln302View.bytecode);
  b.call(
    'ReceiveUln302View.initialize',
    receiveUln302View,
    encodeFunctionData({ abi: ReceiveUln302View.abi, functionName: 'initialize', args: [endpoint, receiveUln302] }),
  );
  const lz: LayerZeroAddresses = {
    endpoint,
    endpointView,
    sendUln302,
    receiveUln302,
    receiveUln302View,
    priceFeed,
    dvn,
    dvnFeeLib,
    executor,
    executorFeeLib,
    batchExecutor,
  };
  return lz;
}

/** For a stack found on chain: initialisation that an interrupted run may have left undone. */
async function planInitChecks(
  client: PublicClient,
  b: PlanBuilder,
  lz: LayerZeroAddresses,
  input: LayerZeroPlanInput,
): Promise<void> {
  const [execEndpoint, viewEndpoint] = await Promise.all([
    client.readContract({ address: lz.executor, abi: Executor.abi, functionName: 'endpoint' }),
    client.readContract({ address: lz.endpointView, abi: EndpointV2View.abi, functionName: 'endpoint' }),
  ]);
  if (isAddressEqual(execEndpoint, zeroAddress)) {
    b.call(
      'Executor.initialize',
      lz.executor,
      encodeFunctionData({
        abi: Executor.abi,
        functionName: 'initialize',
        args: [
          lz.endpoint,
          zeroAddress,
          [lz.sendUln302, lz.receiveUln302],
          lz.priceFeed,
          input.deployer,
          [input.deployer, input.relayer],
        ],
      }),
    );
  }
  if (isAddressEqual(viewEndpoint, zeroAddress)) {
    b.call(
      'EndpointV2View.initialize',
      lz.endpointView,
      encodeFunctionData({ abi: EndpointV2View.abi, functionName: 'initialize', args: [lz.endpoint] }),
    );
  }
}

interface WiringItem {
  label: string;
  to: Address;
  data: `0x${string}`;
  /** Resolves true when the chain already has this setting. */
  satisfied: () => Promise<boolean>;
}

async function planWiring(
  client: PublicClient,
  b: PlanBuilder,
  lz: LayerZeroAddresses,
  input: LayerZeroPlanInput,
  fresh: boolean,
): Promise<void> {
  const items = wiringItems(client, lz, input);
  const done = fresh ? items.map(() => false) : await Promise.all(items.map((i) => i.satisfied()));
  items.forEach((item, i) => {
    if (!done[i]) b.call(item.label, item.to, item.data);
  });
}

function wiringItems(client: PublicClient, lz: LayerZeroAddresses, input: LayerZeroPlanInput): WiringItem[] {
  const items: WiringItem[] = [];
  const read = client.readContract.bind(client);
  const eids = input.remotes.map((r) => r.eid);
  const dvnFee = () => read({ address: lz.dvn, abi: DVN.abi, functionName: 'workerFeeLib' });
  items.push({
    label: 'DVN.setWorkerFeeLib',
    to: lz.dvn,
    data: encodeFunctionData({ abi: DVN.abi, functionName: 'setWorkerFeeLib', args: [lz.dvnFeeLib] }),
    satisfied: async () => isAddressEqual(await dvnFee(), lz.dvnFeeLib),
  });
  items.push({
    label: 'Executor.setWorkerFeeLib',
    to: lz.executor,
    data: encodeFunctionData({ abi: Executor.abi, functionName: 'setWorkerFeeLib', args: [lz.executorFeeLib] }),
    satisfied: async () =>
      isAddressEqual(
        await read({ address: lz.executor, abi: Executor.abi, functionName: 'workerFeeLib' }),
        lz.executorFeeLib,
      ),
  });
  items.push({
    label: `BatchExecutor.setOperator(${input.relayer})`,
    to: lz.batchExecutor,
    data: encodeFunctionData({ abi: BatchExecutor.abi, functionName: 'setOperator', args: [input.relayer, true] }),
    satisfied: () =>
      read({ address: lz.batchExecutor, abi: BatchExecutor.abi, functionName: 'isOperator', args: [input.relayer] }),
  });
  for (const lib of [lz.sendUln302, lz.receiveUln302]) {
    items.push({
      label: `EndpointV2.registerLibrary(${lib === lz.sendUln302 ? 'SendUln302' : 'ReceiveUln302'})`,
      to: lz.endpoint,
      data: encodeFunctionData({ abi: EndpointV2.abi, functionName: 'registerLibrary', args: [lib] }),
      satisfied: () =>
        read({ address: lz.endpoint, abi: EndpointV2.abi, functionName: 'isRegisteredLibrary', args: [lib] }),
    });
  }
  if (eids.length === 0) return items;

  // ULN configs before default libraries (else LZ_UnsupportedEid).
  const sendUln = input.remotes.map((r) => ({ eid: r.eid, config: ulnConfig(input.local.confirmations, lz.dvn) }));
  const recvUln = input.remotes.map((r) => ({ eid: r.eid, config: ulnConfig(r.confirmations, lz.dvn) }));
  items.push({
    label: `SendUln302.setDefaultUlnConfigs([${eids.join(', ')}])`,
    to: lz.sendUln302,
    data: encodeFunctionData({ abi: SendUln302.abi, functionName: 'setDefaultUlnConfigs', args: [sendUln] }),
    satisfied: () =>
      allMatch(
        sendUln,
        (p) =>
          read({
            address: lz.sendUln302,
            abi: SendUln302.abi,
            functionName: 'getAppUlnConfig',
            args: [zeroAddress, p.eid],
          }),
        sameUln,
      ),
  });
  items.push({
    label: `ReceiveUln302.setDefaultUlnConfigs([${eids.join(', ')}])`,
    to: lz.receiveUln302,
    data: encodeFunctionData({ abi: ReceiveUln302.abi, functionName: 'setDefaultUlnConfigs', args: [recvUln] }),
    satisfied: () =>
      allMatch(
        recvUln,
        (p) =>
          read({
            address: lz.receiveUln302,
            abi: ReceiveUln302.abi,
            functionName: 'getAppUlnConfig',
            args: [zeroAddress, p.eid],
          }),
        sameUln,
      ),
  });
  const execConfigs = eids.map((eid) => ({
    eid,
    config: { maxMessageSize: DEVNET_FEES.maxMessageSize, executor: lz.executor },
  }));
  items.push({
    label: `SendUln302.setDefaultExecutorConfigs([${eids.join(', ')}])`,
    to: lz.sendUln302,
    data: encodeFunctionData({ abi: SendUln302.abi, functionName: 'setDefaultExecutorConfigs', args: [execConfigs] }),
    satisfied: () =>
      allMatch(
        execConfigs,
        (p) =>
          read({
            address: lz.sendUln302,
            abi: SendUln302.abi,
            functionName: 'executorConfigs',
            args: [zeroAddress, p.eid],
          }),
        (want, [maxMessageSize, executor]) =>
          maxMessageSize === want.config.maxMessageSize && isAddressEqual(executor, want.config.executor),
      ),
  });
  for (const eid of eids) {
    items.push({
      label: `EndpointV2.setDefaultSendLibrary(${eid})`,
      to: lz.endpoint,
      data: encodeFunctionData({
        abi: EndpointV2.abi,
        functionName: 'setDefaultSendLibrary',
        args: [eid, lz.sendUln302],
      }),
      satisfied: async () =>
        isAddressEqual(
          await read({ address: lz.endpoint, abi: EndpointV2.abi, functionName: 'defaultSendLibrary', args: [eid] }),
          lz.sendUln302,
        ),
    });
    items.push({
      label: `EndpointV2.setDefaultReceiveLibrary(${eid})`,
      to: lz.endpoint,
      data: encodeFunctionData({
        abi: EndpointV2.abi,
        functionName: 'setDefaultReceiveLibrary',
        args: [eid, lz.receiveUln302, 0n],
      }),
      satisfied: async () =>
        isAddressEqual(
          await read({ address: lz.endpoint, abi: EndpointV2.abi, functionName: 'defaultReceiveLibrary', args: [eid] }),
          lz.receiveUln302,
        ),
    });
  }
  // PriceFeed looks prices up by `eid % 30_000` (the chain's id across LayerZero versions).
  const prices = eids.map((eid) => ({
    eid: eid % 30_000,
    price: {
      priceRatio: DEVNET_FEES.priceRatio,
      gasPriceInUnit: DEVNET_FEES.gasPriceInUnit,
      gasPerByte: DEVNET_FEES.gasPerByte,
    },
  }));
  items.push({
    label: `PriceFeed.setPrice([${prices.map((p) => p.eid).join(', ')}])`,
    to: lz.priceFeed,
    data: encodeFunctionData({ abi: PriceFeed.abi, functionName: 'setPrice', args: [prices] }),
    satisfied: () =>
      allMatch(
        prices,
        (p) => read({ address: lz.priceFeed, abi: priceFeedGetPriceV2, functionName: 'getPrice', args: [p.eid] }),
        (want, got) =>
          got.priceRatio === want.price.priceRatio &&
          got.gasPriceInUnit === want.price.gasPriceInUnit &&
          got.gasPerByte === want.price.gasPerByte,
      ),
  });
  const dvnDst = eids.map((dstEid) => ({
    dstEid,
    gas: DEVNET_FEES.dvnVerifyGas,
    multiplierBps: DEVNET_FEES.multiplierBps,
    floorMarginUSD: 0n,
  }));
  items.push({
    label: `DVN.setDstConfig([${eids.join(', ')}])`,
    to: lz.dvn,
    data: encodeFunctionData({ abi: DVN.abi, functionName: 'setDstConfig', args: [dvnDst] }),
    satisfied: () =>
      allMatch(
        dvnDst,
        (p) => read({ address: lz.dvn, abi: DVN.abi, functionName: 'dstConfig', args: [p.dstEid] }),
        (want, [gas, multiplierBps]) => gas === want.gas && multiplierBps === want.multiplierBps,
      ),
  });
  const execDst = eids.map((dstEid) => ({
    dstEid,
    lzReceiveBaseGas: DEVNET_FEES.executorBaseGas,
    lzComposeBaseGas: 0n,
    multiplierBps: DEVNET_FEES.multiplierBps,
    floorMarginUSD: 0n,
    nativeCap: DEVNET_FEES.nativeCap,
  }));
  items.push({
    label: `Executor.setDstConfig([${eids.join(', ')}])`,
    to: lz.executor,
    data: encodeFunctionData({ abi: Executor.abi, functionName: 'setDstConfig', args: [execDst] }),
    satisfied: () =>
      allMatch(
        execDst,
        (p) => read({ address: lz.executor, abi: Executor.abi, functionName: 'dstConfig', args: [p.dstEid] }),
        (want, [baseGas, multiplierBps, , nativeCap]) =>
          baseGas === want.lzReceiveBaseGas && multiplierBps === want.multiplierBps && nativeCap === want.nativeCap,
      ),
  });
  return items;
}

/** PriceFeed overloads `getPrice` for v1 (uint16) and v2 (uint32) eids; viem needs one of them. */
const priceFeedGetPriceV2 = PriceFeed.abi.filter(
  (
    item,
  ): item is Extract<(typeof PriceFeed.abi)[number], { name: 'getPrice'; inputs: readonly [{ type: 'uint32' }] }> =>
    item.type === 'function' && item.name === 'getPrice' && item.inputs[0]?.type === 'uint32',
);

export function ulnConfig(confirmations: number, dvn: Address) {
  return {
    confirmations: BigInt(confirmations),
    requiredDVNCount: 1,
    optionalDVNCount: 0,
    optionalDVNThreshold: 0,
    requiredDVNs: [dvn],
    optionalDVNs: [] as Address[],
  };
}

function sameUln(
  want: { config: ReturnType<typeof ulnConfig> },
  got: { confirmations: bigint; requiredDVNs: readonly Address[] },
): boolean {
  return (
    got.confirmations === want.config.confirmations &&
    got.requiredDVNs.length === want.config.requiredDVNs.length &&
    got.requiredDVNs.every((a, i) => isAddressEqual(a, want.config.requiredDVNs[i]))
  );
}

async function allMatch<W, G>(
  wanted: readonly W[],
  read: (w: W) => Promise<G>,
  same: (w: W, g: G) => boolean,
): Promise<boolean> {
  const got = await Promise.all(wanted.map(read));
  return wanted.every((w, i) => same(w, got[i] as G));
}
