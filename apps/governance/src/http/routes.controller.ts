import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Hex } from 'viem';
import { GovernanceError } from '../errors.js';
import { ROUTE_ID } from '../proposals/proposal.dto.js';
import { ConservationDto, RouteDetailDto, RouteViewDto } from '../routes/route.dto.js';
import { RoutesService } from '../routes/routes.service.js';

function routeId(id: string): Hex {
  if (!ROUTE_ID.test(id)) throw new GovernanceError('INVALID', 'routeId: a route id is 0x and 64 hex digits');
  return id.toLowerCase() as Hex;
}

/** Liquidity routes as the routers of every chain have them; public reads. Changes go through proposals. */
@ApiTags('routes')
@Controller('api/routes')
export class RoutesController {
  constructor(private readonly routes: RoutesService) {}

  @Get()
  @ApiOperation({ summary: 'Every route governance allowed (the hub router), with the state at both ends' })
  @ApiOkResponse({ type: [RouteViewDto] })
  list() {
    return this.routes.list();
  }

  // before `:routeId`, which would take the word as an id
  @Get('conservation')
  @ApiOperation({ summary: 'Per asset over every chain: debited = credited + in flight + refunded' })
  @ApiOkResponse({ type: ConservationDto })
  conservation() {
    return this.routes.conservation();
  }

  @Get(':routeId')
  @ApiOperation({ summary: 'One route with its transfers on every chain and those in flight' })
  @ApiOkResponse({ type: RouteDetailDto })
  one(@Param('routeId') id: string) {
    return this.routes.one(routeId(id));
  }
}
