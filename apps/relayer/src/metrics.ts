import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The relayer's Prometheus metrics, on one registry per process (tests build their own). */
export class RelayerMetrics {
  readonly registry = new Registry();
  readonly queue = new Gauge({
    name: 'relayer_packets',
    help: 'Packets by stage and pathway',
    labelNames: ['stage', 'pathway'],
    registers: [this.registry],
  });
  readonly transitions = new Counter({
    name: 'relayer_stage_results_total',
    help: 'Packets moved by each stage',
    labelNames: ['stage', 'eid', 'result'],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'relayer_stage_errors_total',
    help: 'Stage rounds that failed (RPC or database)',
    labelNames: ['stage', 'eid'],
    registers: [this.registry],
  });
  readonly headLag = new Gauge({
    name: 'relayer_head_lag_blocks',
    help: 'Chain head minus the watcher cursor',
    labelNames: ['eid'],
    registers: [this.registry],
  });
  readonly balance = new Gauge({
    name: 'relayer_wallet_balance_ether',
    help: 'Sender wallet balance (ether, for alerting only)',
    labelNames: ['eid'],
    registers: [this.registry],
  });
  readonly packetStageSeconds = new Histogram({
    name: 'relayer_packet_stage_seconds',
    help: 'Time a packet took to reach each stage from the one before (seen → confirmed → verified → delivered)',
    labelNames: ['stage', 'pathway'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300],
    registers: [this.registry],
  });
  readonly deliverySeconds = new Histogram({
    name: 'relayer_packet_delivery_seconds',
    help: 'Time from the watcher first recording a packet to its delivery',
    labelNames: ['pathway'],
    buckets: [0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300, 900],
    registers: [this.registry],
  });
  readonly stageSeconds = new Histogram({
    name: 'relayer_stage_round_seconds',
    help: 'Time one stage round takes on one chain',
    labelNames: ['stage', 'eid'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
}
