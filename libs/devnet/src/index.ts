export {
  DEVNET_DVN_QUORUM,
  DEVNET_MNEMONIC,
  DEVNET_ROLES,
  DVN_SIGNER_ROLES,
  devnetAccount,
  devnetPrivateKey,
  type DevnetRole,
} from './accounts.js';
export {
  anvilBinary,
  anvilRpc,
  anvilRpcBatch,
  freePort,
  isAlive,
  startAnvil,
  stopPid,
  type AnvilInstance,
  type AnvilOptions,
} from './anvil.js';
export {
  defaultChainSpecs,
  FIRST_CHAIN_ID,
  FIRST_EID,
  registryFromManifest,
  serviceChainRegistry,
  startDevnet,
  stopDevnet,
  type Devnet,
  type DevnetChainSpec,
  type DevnetOptions,
} from './devnet.js';
export { DevnetError, DevnetErrorCode } from './errors.js';
export { DEVNET_FEES, planLayerZero, ulnConfig, type LayerZeroPlanInput } from './layerzero.js';
export {
  DEFAULT_MANIFEST_PATH,
  MANIFEST_VERSION,
  parseManifest,
  readManifest,
  writeManifest,
  type ChainRole,
  type DevnetManifest,
  type LayerZeroAddresses,
  type ManifestChain,
} from './manifest.js';
export { describePlan, PlanBuilder, type ChainPlan, type PlannedStep } from './plan.js';
export { describeRevert, sendPlan } from './send.js';
export {
  ManualRelay,
  runSmoke,
  type RelayedPacket,
  type SentPacket,
  type SmokeResult,
  type VerifyOptions,
} from './smoke.js';
export {
  DEVNET_ASSETS,
  DEVNET_KEEPER_FUNDS,
  DEVNET_MAX_STALENESS,
  DEVNET_RATES,
  DEVNET_SEGMENTS,
  DEVNET_STEWARD_BOUNDS,
  DEVNET_TIMELOCK_SECONDS,
  chainConfigOf,
  deploySegmentStack,
  devnetRiskParams,
  FEED_DECIMALS,
  hubOf,
  segmentContracts,
  type DevnetAsset,
  type DevnetSegment,
  type SegmentStackOptions,
} from './segments.js';
export {
  DEVNET_PRICE_PERIOD_SECONDS,
  formatAnswer,
  playScenario,
  scenarioByName,
  SCENARIOS,
  type PlayOptions,
  type PlayResult,
  type PriceScenario,
} from './scenarios.js';
export {
  AGREEMENT_TOLERANCE,
  devnetVariant,
  playScenarioOnDevnet,
  type AgreementRow,
  type DevnetPlayOptions,
  type DevnetRun,
  type DevnetVariant,
  type OnChainSegment,
} from './simulation-play.js';
