import type { GovernanceRepository } from '#app/persistence';
import type { GovernanceChain, Hub } from './chains.js';
import type { GovernanceSettings } from './governance.config.js';

/** What the governance services share: settings, the chains as governance sees them, the repository. */
export const GOVERNANCE_CONTEXT = Symbol('GOVERNANCE_CONTEXT');
export interface GovernanceContext {
  settings: GovernanceSettings;
  hub: Hub;
  chains: GovernanceChain[];
  repo: GovernanceRepository;
}
