/**
 * Events on the API server, put together: the correlator, the bounded sink and its writer loop,
 * the recorder, and the node events the control plane's loops give rise to. The controller
 * owns one; it exists before the clients do, so events recorded while the control plane is
 * still connecting wait in the queue.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import type { EventTarget, EventType } from '../../events/types.js';
import type { Logger } from '../../logging/logger.js';
import type { NodeJson } from '../../node/node-object.js';
import { FailureGroup, OnceLogger } from '../backoff.js';
import { EventCorrelator, type CorrelatorOptions } from './correlator.js';
import { NodeEventTracker, type NodeEvent } from './node-events.js';
import { ApiEventRecorder } from './recorder.js';
import { EventSink, type SinkStats } from './sink.js';
import { apiWriter } from './writer.js';

export interface PublisherOptions {
  nodeName: string;
  logger: Logger;
  /** The connection's outage group: an API server outage is one warning, whichever loop sees it first. */
  failures?: FailureGroup;
  queueLimit?: number;
  correlator?: CorrelatorOptions;
}

export class EventPublisher {
  readonly sink: EventSink;
  readonly correlator: EventCorrelator;
  private readonly recorder: ApiEventRecorder;
  private readonly node: NodeEventTracker;

  constructor(o: PublisherOptions) {
    this.correlator = new EventCorrelator(o.correlator);
    this.sink = new EventSink({ logger: o.logger, outage: new OnceLogger(o.logger, Date.now, o.failures), ...(o.queueLimit ? { limit: o.queueLimit } : {}) });
    this.recorder = new ApiEventRecorder(o.nodeName, this.correlator, this.sink);
    this.node = new NodeEventTracker(o.nodeName);
  }

  /** The event log's listener. */
  readonly pod = (target: EventTarget, type: EventType, reason: string, message: string): void => this.recorder.pod(target, type, reason, message);

  /** An event on the Node from outside the status loop (ImageGCFailed). */
  nodeEvent(type: EventType, reason: string, message: string): void {
    this.recorder.node(type, reason, message);
  }

  /** The kubelet's birth cry. */
  starting(): void {
    this.recorder.node('Normal', 'Starting', 'Starting staticlet.');
  }

  /** Registration: the conditions of the Node as staticlet built it, all new to this run. */
  registered(built: NodeJson): void {
    this.emit(this.node.conditions(built.status?.conditions));
  }

  /** A node status written: a changed boot ID, then the conditions that flipped. */
  statusWritten(before: NodeJson, written: NodeJson): void {
    this.emit([...this.node.boot(before.status?.nodeInfo?.['bootID'], written.status?.nodeInfo?.['bootID']), ...this.node.conditions(written.status?.conditions)]);
  }

  /** Writes until the signal aborts, on the event client. */
  run(core: CoreV1Api, signal: AbortSignal): Promise<void> {
    return this.sink.run(apiWriter(core), signal);
  }

  stats(): SinkStats & { queued: number; spamDropped: number } {
    return { ...this.sink.stats, queued: this.sink.queued, spamDropped: this.correlator.spamDropped };
  }

  private emit(events: NodeEvent[]): void {
    for (const e of events) this.recorder.node(e.type, e.reason, e.message);
  }
}
