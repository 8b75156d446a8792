import { erc20Abi, maxUint256, type Address, type Hex } from 'viem';
import { revertReason } from '#app/chains';
import { DevPriceFeed, SegmentVault } from '#app/contracts';
import type { LiquidationRecord, RiskRepository } from '#app/persistence';
import type { OracleChain } from '../chains.js';
import { accountKey, feedDecimalsOf, vaultSegments } from './segment-reader.js';

export interface KeeperRound {
  eid: number;
  checked: number;
  liquidations: LiquidationRecord[];
  /** per segment: the ledger's realised bad debt (borrow-asset units) */
  badDebt: Map<Hex, bigint>;
}

/**
 * The liquidation keeper of one chain: for each segment, the accounts the indexer saw deposit or
 * borrow (never a scan of all accounts), those with debt whose liquidation value fell below it are
 * liquidated against their largest collateral, repaying up to the close factor (the vault caps the
 * repayment). Repeated rounds finish a position; the vault realises bad debt when collateral runs out.
 */
export class Keeper {
  private readonly approved = new Set<string>();

  constructor(private readonly repo: RiskRepository) {}

  async tick(chain: OracleChain): Promise<KeeperRound> {
    const round: KeeperRound = { eid: chain.eid, checked: 0, liquidations: [], badDebt: new Map() };
    const read = { address: chain.vault, abi: SegmentVault.abi } as const;
    for (const segment of await vaultSegments(chain)) {
      const cfg = await chain.client.readContract({ ...read, functionName: 'config', args: [segment] });
      for (const a of (await this.repo.accounts(segment)).filter((x) => x.eid === chain.eid)) {
        round.checked += 1;
        const p = await chain.client.readContract({
          ...read,
          functionName: 'position',
          args: [segment, a.owner, a.sub],
        });
        if (p.debtValue === 0n || p.liquidationValue >= p.debtValue) continue;
        const assetId = await this.largestCollateral(chain, segment, a.owner, a.sub, cfg.collateralIds);
        if (!assetId) continue;
        await this.approve(chain, cfg.borrowAsset.token);
        round.liquidations.push(await this.liquidate(chain, segment, a.owner, a.sub, assetId));
      }
      const ledger = await chain.client.readContract({ ...read, functionName: 'ledger', args: [segment] });
      round.badDebt.set(segment, ledger.badDebt);
    }
    return round;
  }

  private async largestCollateral(
    chain: OracleChain,
    segment: Hex,
    owner: Address,
    sub: bigint,
    ids: readonly Hex[],
  ): Promise<Hex | null> {
    const read = { address: chain.vault, abi: SegmentVault.abi } as const;
    const key = accountKey(segment, owner, sub);
    let best: { id: Hex; value: bigint } | null = null;
    for (const id of ids) {
      const amount = await chain.client.readContract({ ...read, functionName: 'collateralOf', args: [key, id] });
      if (amount === 0n) continue;
      const c = await chain.client.readContract({ ...read, functionName: 'collateralConfig', args: [segment, id] });
      const [, answer] = await chain.client.readContract({
        address: c.feed,
        abi: DevPriceFeed.abi,
        functionName: 'latestRoundData',
      });
      // USD with 18 decimals, so assets with different feed decimals compare
      const value =
        (amount * answer * 10n ** BigInt(18 - (await feedDecimalsOf(chain, c.feed)))) / 10n ** BigInt(c.decimals);
      if (!best || value > best.value) best = { id, value };
    }
    return best?.id ?? null;
  }

  private async approve(chain: OracleChain, token: Address): Promise<void> {
    const key = `${chain.eid}:${token.toLowerCase()}`;
    if (this.approved.has(key)) return;
    const account = chain.keeper.account;
    if (!account) throw new Error('the keeper wallet has no account');
    const allowance = await chain.client.readContract({
      address: token,
      abi: erc20Abi,
      functionName: 'allowance',
      args: [account.address, chain.vault],
    });
    if (allowance < maxUint256 / 2n) {
      const hash = await chain.keeper.writeContract({
        account,
        chain: chain.keeper.chain,
        address: token,
        abi: erc20Abi,
        functionName: 'approve',
        args: [chain.vault, maxUint256],
      });
      await chain.client.waitForTransactionReceipt({ hash });
    }
    this.approved.add(key);
  }

  private async liquidate(
    chain: OracleChain,
    segment: Hex,
    owner: Address,
    sub: bigint,
    assetId: Hex,
  ): Promise<LiquidationRecord> {
    const account = chain.keeper.account;
    if (!account) throw new Error('the keeper wallet has no account');
    const base = { eid: chain.eid, segment, owner, sub, assetId, repayAmount: maxUint256 };
    try {
      const { request } = await chain.client.simulateContract({
        account,
        address: chain.vault,
        abi: SegmentVault.abi,
        functionName: 'liquidate',
        args: [segment, owner, sub, assetId, maxUint256],
      });
      const hash = await chain.keeper.writeContract({ ...request, chain: chain.keeper.chain });
      const receipt = await chain.client.waitForTransactionReceipt({ hash });
      const record: LiquidationRecord = {
        ...base,
        txHash: hash,
        status: receipt.status === 'success' ? 'mined' : 'reverted',
        error: receipt.status === 'success' ? null : 'reverted on chain',
      };
      await this.repo.recordLiquidation(record);
      return record;
    } catch (error) {
      // refused in simulation (healthy again, a price moved, out of funds): nothing was sent
      return { ...base, txHash: '0x', status: 'reverted', error: revertReason(error) };
    }
  }
}
