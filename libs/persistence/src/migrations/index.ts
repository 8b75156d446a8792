import { Relayer1764000000000 } from './1764000000000-relayer.js';
import { TxAttempts1764000000001 } from './1764000000001-tx-attempts.js';
import { RiskOracle1764000000002 } from './1764000000002-risk-oracle.js';
import { Governance1764000000003 } from './1764000000003-governance.js';
import { RecentDeliveries1764000000004 } from './1764000000004-recent-deliveries.js';
import { PacketSourceTx1764000000005 } from './1764000000005-packet-source-tx.js';
import { PacketQueue1764000000006 } from './1764000000006-packet-queue.js';
import { StageStamps1764000000007 } from './1764000000007-stage-stamps.js';

/** Every migration, oldest first. Add new ones at the end; never edit a released one. */
export const MIGRATIONS = [
  Relayer1764000000000,
  TxAttempts1764000000001,
  RiskOracle1764000000002,
  Governance1764000000003,
  RecentDeliveries1764000000004,
  PacketSourceTx1764000000005,
  PacketQueue1764000000006,
  StageStamps1764000000007,
];
