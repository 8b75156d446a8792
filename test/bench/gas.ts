/**
 * `npm run gas [-- --help]`
 *
 * Starts a segment devnet (hub 40101, spokes 40102/40103), builds a lived-in 'weth' segment on
 * spoke 40102 (a lender, two borrowers, an earlier attestation, interest accruing between
 * blocks), performs each vault operation once and prints one line per operation,
 * `gas <operation>=<units>`, where units is the transaction's gasUsed (intrinsic and calldata gas
 * included) unless noted. Deposit and borrow are a new account's first ones (cold storage, the
 * account opened), withdrawCollateral is taken while in debt (health check), repay and liquidate
 * are partial, attest pays the quoted LayerZero fee:
 *
 *   supply, withdraw, depositCollateral, withdrawCollateral, borrow, repay, liquidate, attest
 *   applyParams  gas spent inside EndpointV2.lzReceive when a RISK_PARAMS packet is delivered to
 *                the spoke (payload clearing, the OApp peer check and the vault applying the
 *                parameters, interest accrual included): the part the controller's 600,000
 *                executor gas pays for, taken from a call trace of a single-packet
 *                BatchExecutor.deliver (the batch's own commit and bookkeeping are left out)
 *
 * Exits 1, naming the operation, when a user operation (all but applyParams, which the relayer
 * pays for) uses more than 250,000 gas. Progress and detail go to stderr.
 */
import { getAbiItem, parseEther, parseEventLogs, parseUnits, toFunctionSelector, type Address, type Hex } from 'viem';
import { BatchExecutor, EndpointV2, SegmentVault } from '#app/contracts';
import { decodePacket, deliveryBatchGas, ProposalAction, toDelivery, type RiskParams } from '#app/messaging';
import { DEVNET_SEGMENTS, devnetRiskParams } from '#app/devnet';
import { asset, seg, SegmentWorld, user } from '../support/segments.js';

const USAGE = `usage: npm run gas [-- --help]

Measures the gas of each segment vault operation on a fresh devnet and prints
"gas <operation>=<units>" per operation. Exits 1 if a user operation exceeds 250000 gas.
`;
const LIMIT = 250_000n;
const OPERATIONS = [
  'supply',
  'withdraw',
  'depositCollateral',
  'withdrawCollateral',
  'borrow',
  'repay',
  'liquidate',
  'attest',
  'applyParams',
] as const;
type Operation = (typeof OPERATIONS)[number];
/** Paid for by the relayer's delivery, not by a user: reported but not held to the limit. */
const NOT_USER: readonly Operation[] = ['applyParams'];

const SPOKE = 40102;
const WETH = seg('weth');
const usdc = (n: string) => parseUnits(n, 6);
const note = (line: string) => process.stderr.write(`${line}\n`);

interface TraceFrame {
  to?: string;
  input: string;
  gasUsed: string;
  error?: string;
  calls?: TraceFrame[];
}

function findFrame(frame: TraceFrame, to: Address, selector: Hex): TraceFrame | undefined {
  if (frame.to?.toLowerCase() === to.toLowerCase() && frame.input.startsWith(selector)) return frame;
  for (const call of frame.calls ?? []) {
    const found = findFrame(call, to, selector);
    if (found) return found;
  }
  return undefined;
}

/** Lender, two borrowers (one close to its limit), a past attestation, an hour of interest. */
async function lendingMarket(w: SegmentWorld): Promise<void> {
  const [lender, borrower, risky] = [user(0), user(1), user(2)];
  await w.fund(SPOKE, lender, 'USDC', usdc('1000000'));
  await w.vaultCall(SPOKE, lender, 'supply', [WETH, usdc('1000000'), lender.address]);
  await w.fund(SPOKE, borrower, 'WETH', parseEther('100'));
  await w.vaultCall(SPOKE, borrower, 'depositCollateral', [WETH, 0, asset('WETH'), parseEther('100')]);
  await w.vaultCall(SPOKE, borrower, 'borrow', [WETH, 0, usdc('150000'), borrower.address]);
  // 10 WETH at $3,000 with an 80 % LTV: $24,000 at most
  await w.fund(SPOKE, risky, 'WETH', parseEther('10'));
  await w.vaultCall(SPOKE, risky, 'depositCollateral', [WETH, 0, asset('WETH'), parseEther('10')]);
  await w.vaultCall(SPOKE, risky, 'borrow', [WETH, 0, usdc('23000'), risky.address]);
  // the spoke has attested before: the measured attestation is not the path's first message
  const fee = await w.readVault<bigint>(SPOKE, 'quoteAttest', [[WETH]]);
  await w.send(SPOKE, lender, w.vault(SPOKE), SegmentVault.abi, 'attest', [[WETH]], fee);
  await w.warp(SPOKE, 3_600);
}

async function measureUserOperations(w: SegmentWorld, gas: Map<Operation, bigint>): Promise<void> {
  const [lender, risky, newcomer, saver, liquidator] = [user(0), user(2), user(3), user(4), user(5)];
  const step = async (op: Operation, run: () => Promise<{ gasUsed: bigint }>) => {
    await w.warp(SPOKE, 600); // each operation in a later block, accruing interest
    gas.set(op, (await run()).gasUsed);
    note(`${op} done`);
  };
  // a new supplier, a partial withdrawal by an existing one
  await w.fund(SPOKE, saver, 'USDC', usdc('50000'));
  await step('supply', () => w.vaultCall(SPOKE, saver, 'supply', [WETH, usdc('50000'), saver.address]));
  const shares = await w.readVault<bigint>(SPOKE, 'supplySharesOf', [WETH, lender.address]);
  await step('withdraw', () => w.vaultCall(SPOKE, lender, 'withdraw', [WETH, shares / 4n, lender.address]));
  // a new account's first deposit and borrow, a partial repayment, a withdrawal while in debt
  await w.fund(SPOKE, newcomer, 'WETH', parseEther('5'));
  await step('depositCollateral', () =>
    w.vaultCall(SPOKE, newcomer, 'depositCollateral', [WETH, 0, asset('WETH'), parseEther('5')]),
  );
  await step('borrow', () => w.vaultCall(SPOKE, newcomer, 'borrow', [WETH, 0, usdc('5000'), newcomer.address]));
  await w.fund(SPOKE, newcomer, 'USDC', usdc('1000'));
  await step('repay', () => w.vaultCall(SPOKE, newcomer, 'repay', [WETH, newcomer.address, 0, usdc('2000')]));
  await step('withdrawCollateral', () =>
    w.vaultCall(SPOKE, newcomer, 'withdrawCollateral', [WETH, 0, asset('WETH'), parseEther('1'), newcomer.address]),
  );
  // WETH falls to $2,600: the risky account (10 WETH, 85 % threshold, ~$23,000 debt) is liquidatable
  await w.setPrice(SPOKE, 'WETH', 2_600n * 100_000_000n);
  await w.fund(SPOKE, liquidator, 'USDC', usdc('20000'));
  await step('liquidate', () =>
    w.vaultCall(SPOKE, liquidator, 'liquidate', [WETH, risky.address, 0, asset('WETH'), usdc('5000')]),
  );
  const fee = await w.readVault<bigint>(SPOKE, 'quoteAttest', [[WETH]]);
  await step('attest', () => w.send(SPOKE, saver, w.vault(SPOKE), SegmentVault.abi, 'attest', [[WETH]], fee));
}

/** A governance SetRiskParams, its packet to the spoke verified and delivered alone, traced. */
async function measureApplyParams(w: SegmentWorld): Promise<bigint> {
  const segment = DEVNET_SEGMENTS.find((s) => s.name === 'weth');
  if (!segment) throw new Error('no weth devnet segment');
  const base = devnetRiskParams(segment);
  const next: RiskParams = { ...base, borrowCap: base.borrowCap / 2n, reserveFactorBps: 1_200 };
  await w.warp(SPOKE, 600);
  const receipt = await w.govern({ action: ProposalAction.SetRiskParams, segment: WETH, params: next });
  const sent = parseEventLogs({ abi: EndpointV2.abi, eventName: 'PacketSent', logs: receipt.logs })
    .map((l) => ({ packet: decodePacket(l.args.encodedPayload), options: l.args.options }))
    .find((s) => s.packet.dstEid === SPOKE);
  if (!sent) throw new Error(`no RISK_PARAMS packet to ${SPOKE}`);
  const { packet, options } = sent;
  await w.relay.verify(SPOKE, [packet]);
  const lz = w.relay.lz(SPOKE);
  const deliveries = [toDelivery(packet, options)];
  const delivered = await w.relay.confirm(
    SPOKE,
    w.relay.wallet(SPOKE, 'relayer').writeContract({
      address: lz.batchExecutor,
      abi: BatchExecutor.abi,
      functionName: 'deliver',
      args: [deliveries],
      gas: deliveryBatchGas(deliveries),
    }),
  );
  const trace = (await w.rpc(SPOKE, 'debug_traceTransaction', [
    delivered.transactionHash,
    { tracer: 'callTracer' },
  ])) as TraceFrame; // anvil's callTracer result
  const lzReceive = findFrame(
    trace,
    lz.endpoint,
    toFunctionSelector(getAbiItem({ abi: EndpointV2.abi, name: 'lzReceive' })),
  );
  const vaultReceive = findFrame(
    trace,
    w.vault(SPOKE),
    toFunctionSelector(getAbiItem({ abi: SegmentVault.abi, name: 'lzReceive' })),
  );
  if (!lzReceive || !vaultReceive || lzReceive.error || vaultReceive.error) {
    throw new Error(`RISK_PARAMS delivery did not execute cleanly: ${JSON.stringify(lzReceive ?? trace)}`);
  }
  const cfg = await w.readVault<{ borrowCap: bigint }>(SPOKE, 'config', [WETH]);
  if (cfg.borrowCap !== next.borrowCap) throw new Error('the spoke vault did not apply the new parameters');
  note(
    `applyParams: endpoint lzReceive ${BigInt(lzReceive.gasUsed)}, vault lzReceive ${BigInt(vaultReceive.gasUsed)}, ` +
      `whole deliver transaction ${delivered.gasUsed}`,
  );
  return BigInt(lzReceive.gasUsed);
}

async function main(): Promise<number> {
  note('starting a segment devnet…');
  const w = await SegmentWorld.start();
  try {
    const gas = new Map<Operation, bigint>();
    await lendingMarket(w);
    await measureUserOperations(w, gas);
    gas.set('applyParams', await measureApplyParams(w));
    const over: string[] = [];
    for (const op of OPERATIONS) {
      const used = gas.get(op);
      if (used === undefined) throw new Error(`${op} was not measured`);
      process.stdout.write(`gas ${op}=${used}\n`);
      if (!NOT_USER.includes(op) && used > LIMIT) over.push(`${op} (${used})`);
    }
    if (over.length === 0) return 0;
    note(`over the ${LIMIT} gas limit for user operations: ${over.join(', ')}`);
    return 1;
  } finally {
    await w.stop();
  }
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (args.length > 0) {
  process.stderr.write(`unknown arguments: ${args.join(' ')}\n${USAGE}`);
  process.exit(2);
}
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    note(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(2);
  },
);
