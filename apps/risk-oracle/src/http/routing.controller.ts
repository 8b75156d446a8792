import { Controller, Get } from '@nestjs/common';
import { RoutingPlannerService, type RoutingRound } from '../routing/routing-planner.service.js';

/** The liquidity routing planner's last round. */
@Controller('routing')
export class RoutingController {
  constructor(private readonly planner: RoutingPlannerService) {}

  /** `plan` is null when routing is off or before the first round. */
  @Get('plan')
  plan(): { mode: string; plan: RoutingRound | null } {
    return { mode: this.planner.mode, plan: this.planner.last };
  }
}
