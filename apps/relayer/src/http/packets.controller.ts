import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { isHex, type Hex } from 'viem';
import type { PacketQueries } from '../pipeline/packet-store.js';
import { RelayerService } from '../relayer.service.js';
import { PACKET_QUERIES } from '../tokens.js';
import {
  ListPacketsQuery,
  toHistoryView,
  toPacketView,
  type PacketHistoryView,
  type PacketView,
} from './packet.dto.js';

function parseGuid(raw: string): Hex {
  if (!isHex(raw) || raw.length !== 66) throw new BadRequestException('guid must be 0x followed by 64 hex digits');
  return raw.toLowerCase() as Hex; // validated above
}

@Controller('packets')
export class PacketsController {
  constructor(
    @Inject(PACKET_QUERIES) private readonly packets: PacketQueries,
    @Inject(RelayerService) private readonly relayer: RelayerService,
  ) {}

  @Get()
  async list(@Query() query: ListPacketsQuery): Promise<PacketView[]> {
    const [srcEid, dstEid] = query.pathway ? query.pathway.split('-').map(Number) : [undefined, undefined];
    const rows = await this.packets.list({
      limit: query.limit ?? 100,
      ...(query.stage ? { stage: query.stage } : {}),
      ...(srcEid !== undefined ? { srcEid } : {}),
      ...(dstEid !== undefined ? { dstEid } : {}),
      ...(query.srcTx ? { srcTxHash: query.srcTx as Hex } : {}),
    });
    return rows.map(toPacketView);
  }

  @Get(':guid')
  async get(@Param('guid') raw: string): Promise<PacketView & { history: PacketHistoryView[] }> {
    const guid = parseGuid(raw);
    const packet = await this.packets.get(guid);
    if (!packet) throw new NotFoundException(`no packet ${guid}`);
    const history = await this.packets.history(guid);
    return { ...toPacketView(packet), history: history.map(toHistoryView) };
  }

  @Post(':guid/retry')
  @HttpCode(200)
  async retry(@Param('guid') raw: string): Promise<PacketView> {
    const guid = parseGuid(raw);
    const packet = await this.packets.get(guid);
    if (!packet) throw new NotFoundException(`no packet ${guid}`);
    if (packet.stage !== 'dead' && packet.stage !== 'failed') {
      throw new BadRequestException(`packet ${guid} is ${packet.stage}; only failed or dead packets can be retried`);
    }
    if (await this.packets.requeue(guid, 'operator')) this.relayer.pipeline.requeued(packet.dstEid);
    const after = await this.packets.get(guid);
    return toPacketView(after ?? packet);
  }
}
