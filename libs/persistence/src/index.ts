export { openDatabase, redactUrl, type Database, type DatabaseKind, type DatabaseOptions } from './database.js';
export { PersistenceError, PersistenceErrorCode } from './errors.js';
export { ENTITIES, ChainCursorEntity, PacketEntity, PacketEventEntity } from './entities.js';
export { MIGRATIONS } from './migrations/index.js';
export { PacketRepository } from './packet.repository.js';
export { SignerLocks } from './signer-locks.js';
export { TxAttemptRepository, type TxAttempt, type TxAttemptStatus } from './tx-attempt.repository.js';
export type {
  ClaimFilter,
  ObservedPacketRecord,
  PacketHistoryEntry,
  PacketListFilter,
  PacketRecord,
  PacketStage,
  StageChange,
  StageTiming,
} from './packet.types.js';
export { dropSchema, openTestDatabase, testDatabaseBackends, type TestDatabase } from './testing.js';
export {
  RiskRepository,
  type AlertRecord,
  type IndexedAccount,
  type LiquidationRecord,
  type PriceRound,
  type ProposalRecord,
  type ProposalStatus,
} from './risk.repository.js';
export {
  DuplicateSignatureError,
  GovernanceRepository,
  type AuditEntry,
  type GovernanceProposal,
  type GovernanceProposalStatus,
  type GovernanceSignature,
} from './governance.repository.js';
