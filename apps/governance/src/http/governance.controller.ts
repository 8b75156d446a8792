import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Hex } from 'viem';
import { GovernanceError } from '../errors.js';
import { GovernanceService } from '../governance.service.js';
import { CreateProposalDto, FreezeDto, SignatureDto } from '../proposals/proposal.dto.js';

const PROPOSAL_ID = /^0x[0-9a-fA-F]{64}$/;
const SEGMENT = /^[a-z0-9][a-z0-9-]{0,30}$/;

function proposalId(id: string): Hex {
  if (!PROPOSAL_ID.test(id)) throw new GovernanceError('INVALID', 'id: a proposal id is 0x and 64 hex digits');
  return id.toLowerCase() as Hex;
}

function segmentName(name: string): string {
  if (!SEGMENT.test(name))
    throw new GovernanceError('INVALID', 'segment: lower-case letters, digits and dashes (1–31)');
  return name;
}

/** Reads are public and never rate limited; every write is authenticated by a signature and rate limited. */
@ApiTags('governance')
@Controller('api')
export class GovernanceController {
  constructor(private readonly governance: GovernanceService) {}

  @Get('chains')
  @ApiOperation({ summary: 'Chains with a segment vault; the hub holds the controller' })
  chains() {
    return this.governance.chainsView();
  }

  @Get('segments')
  @ApiOperation({ summary: 'Every segment with its per-chain state' })
  segments() {
    return this.governance.segments();
  }

  @Get('segments/:name')
  segment(@Param('name') name: string) {
    return this.governance.segmentByName(segmentName(name));
  }

  @Get('segments/:name/history')
  @ApiOperation({ summary: 'Risk-parameter epochs of a segment (governance and steward)' })
  history(@Param('name') name: string) {
    return this.governance.history(segmentName(name));
  }

  @Post('segments/:name/freeze')
  @HttpCode(200)
  @ApiOperation({ summary: "Freeze a segment on every chain now, with the guardian's signed transaction" })
  freeze(@Param('name') name: string, @Body() body: FreezeDto) {
    return this.governance.freeze(segmentName(name), body.signedTransaction as Hex);
  }

  @Get('proposals')
  proposals() {
    return this.governance.list();
  }

  @Post('proposals')
  @ApiOperation({ summary: 'Propose an action; returns the EIP-712 typed data governors sign' })
  create(@Body() body: CreateProposalDto) {
    return this.governance.create(body);
  }

  @Get('proposals/:id')
  proposal(@Param('id') id: string) {
    return this.governance.view(proposalId(id));
  }

  @Post('proposals/:id/signatures')
  @HttpCode(200)
  @ApiOperation({ summary: "Add a governor's signature; at the threshold the proposal is queued on the hub" })
  sign(@Param('id') id: string, @Body() body: SignatureDto) {
    return this.governance.sign(proposalId(id), body.signature as Hex);
  }

  @Post('proposals/:id/execute')
  @HttpCode(200)
  @ApiOperation({ summary: 'Execute a queued proposal after its timelock (the API also does it by itself)' })
  execute(@Param('id') id: string) {
    return this.governance.execute(proposalId(id));
  }

  @Get('audit')
  audit(@Query('proposal') proposal?: string) {
    return this.governance.audit(proposal ? proposalId(proposal) : undefined);
  }

  @Get('messages')
  messages() {
    return this.governance.messages();
  }

  @Get('risk/correlation')
  correlation() {
    return this.governance.correlation();
  }

  @Get('health')
  health() {
    return { status: 'ok' };
  }
}
