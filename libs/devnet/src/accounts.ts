import { mnemonicToAccount, type HDAccount } from 'viem/accounts';
import { toHex } from 'viem';

/**
 * The devnet's well-known keys: anvil's default mnemonic, funded on every devnet chain.
 * Never use these outside a local devnet; production keys come from config or a keystore.
 */
export const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk';

/** Which anvil account index plays which role on the devnet. */
export const DEVNET_ROLES = {
  deployer: 0,
  relayer: 1,
  dvnSigner1: 2,
  dvnSigner2: 3,
  dvnSigner3: 4,
  governor1: 5,
  governor2: 6,
  governor3: 7,
  guardian: 8,
  riskSteward: 9,
  /** the risk oracle's liquidation keeper (funded with ether and the borrow asset by the segment stack) */
  keeper: 10,
  /** supplies, borrows and liquidates in `segctl scenario play --devnet` (funded by the player) */
  simulator: 11,
  /** the governance API's executor: queues and executes proposals that reached their signatures */
  governanceExecutor: 12,
  /** the router role: moves liquidity along allowed routes (the risk oracle's planner, `segctl route send`) */
  routeOperator: 13,
} as const;

export type DevnetRole = keyof typeof DEVNET_ROLES;

export function devnetAccount(role: DevnetRole): HDAccount {
  return mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: DEVNET_ROLES[role] });
}

/** The raw private key of a devnet role, for services that take a key from config. */
export function devnetPrivateKey(role: DevnetRole): `0x${string}` {
  const key = devnetAccount(role).getHdKey().privateKey;
  if (!key) throw new Error(`no private key derived for devnet role ${role}`);
  return toHex(key);
}

export const DVN_SIGNER_ROLES = ['dvnSigner1', 'dvnSigner2', 'dvnSigner3'] as const satisfies readonly DevnetRole[];
export const DEVNET_DVN_QUORUM = 2;
